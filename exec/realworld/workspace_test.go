package realworld_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// workspace holds the writable copies of the corpus's projects, made once
// per project for the whole test run.
type workspace struct {
	dir string

	mu    sync.Mutex
	ready map[string]*prepared
	apt   sync.Once
	aptOK error
}

type prepared struct {
	once sync.Once
	root string // the copy's root
	err  error
	skip string // why the project cannot be had here (not an error)
}

func newWorkspace(dir string) *workspace {
	return &workspace{dir: dir, ready: map[string]*prepared{}}
}

// prepare returns the root of p's copy, making it on first use.
func (w *workspace) prepare(p *project, all []*project) (root, skip string, err error) {
	w.mu.Lock()
	pr := w.ready[p.name]
	if pr == nil {
		pr = &prepared{}
		w.ready[p.name] = pr
	}
	w.mu.Unlock()
	pr.once.Do(func() {
		if p.isGo() {
			pr.root, pr.err = w.prepareGo(p)
		} else {
			pr.root, pr.skip, pr.err = w.prepareDeb(p, all)
		}
	})
	return pr.root, pr.skip, pr.err
}

// prepareGo fetches the module through the module proxy and copies it out of
// the (read-only) module cache: the runner needs a module root it can build
// in, as a user's checkout is.
func (w *workspace) prepareGo(p *project) (string, error) {
	out, err := goCmd("", "mod", "download", "-json", p.module)
	if err != nil {
		return "", fmt.Errorf("couldn't download %s through the module proxy: %v", p.module, err)
	}
	var info struct{ Dir, GoMod, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download -json %s: %s%s", p.module, info.Error, out)
	}
	root := filepath.Join(w.dir, "go", p.name)
	if err := copyTree(info.Dir, root, nil); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); os.IsNotExist(err) {
		// A module without go.mod (pre-modules code): the go command
		// synthesises "module PATH"; a user's `go mod init` writes the same.
		mod, err := os.ReadFile(info.GoMod)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(root, "go.mod"), mod, 0o644); err != nil {
			return "", err
		}
	}
	if *raiseGo != "" {
		if out, err := goCmd(root, "mod", "edit", "-go="+*raiseGo); err != nil {
			return "", fmt.Errorf("go mod edit -go=%s in %s: %v\n%s", *raiseGo, p.module, err, out)
		}
	}
	// The runner builds offline in the sandbox: the module's dependencies
	// (tests' too) must be in the module cache first.
	if out, err := goCmd(root, "mod", "download"); err != nil {
		return "", fmt.Errorf("go mod download in %s: %v\n%s", p.module, err, out)
	}
	return root, nil
}

func goCmd(dir string, args ...string) ([]byte, error) {
	cmd := osexec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// prepareDeb installs the corpus's Debian packages once (as root; otherwise
// it says what to install), then copies p's installed directory.
func (w *workspace) prepareDeb(p *project, all []*project) (root, skip string, err error) {
	w.apt.Do(func() { w.aptOK = installDebs(all) })
	if !debInstalled(p.deb) {
		why := fmt.Sprintf("Debian package %s is not installed; install it with `sudo apt-get install %s`", p.deb, p.deb)
		if w.aptOK != nil {
			why += " (" + w.aptOK.Error() + ")"
		}
		return "", why, nil
	}
	root = filepath.Join(w.dir, "deb", p.name)
	globs := p.copy
	if len(globs) == 0 {
		globs = []string{"*"}
	}
	if err := copyGlobs(p.root, root, globs); err != nil {
		return "", "", err
	}
	if p.toml != "" {
		if err := os.WriteFile(filepath.Join(root, "lessonl.toml"), []byte(p.toml), 0o644); err != nil {
			return "", "", err
		}
	}
	return root, "", nil
}

func debInstalled(pkg string) bool {
	out, err := osexec.Command("dpkg-query", "-W", "-f=${Status}", pkg).Output()
	return err == nil && strings.HasSuffix(strings.TrimSpace(string(out)), "installed")
}

// installDebs installs the missing packages of the corpus when run as root
// with apt-get (CI; scripts/test.sh installs them ahead, so this is the
// fallback for a direct go test).
func installDebs(all []*project) error {
	var missing []string
	seen := map[string]bool{}
	for _, p := range all {
		if p.deb != "" && !seen[p.deb] && !debInstalled(p.deb) {
			seen[p.deb] = true
			missing = append(missing, p.deb)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("not root: the test cannot install %s", strings.Join(missing, " "))
	}
	if _, err := osexec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("no apt-get to install %s", strings.Join(missing, " "))
	}
	install := func() error {
		cmd := osexec.Command("apt-get", append([]string{"install", "-y", "-qq"}, missing...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get install %s: %v: %s", strings.Join(missing, " "), err, lastLines(string(out), 5))
		}
		return nil
	}
	if install() == nil {
		return nil
	}
	if out, err := osexec.Command("apt-get", "update", "-qq").CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get update: %v: %s", err, lastLines(string(out), 5))
	}
	return install()
}

// copyGlobs copies what globs (relative to src) match, directories whole.
func copyGlobs(src, dst string, globs []string) error {
	for _, g := range globs {
		ms, err := filepath.Glob(filepath.Join(src, g))
		if err != nil || len(ms) == 0 {
			return fmt.Errorf("copy glob %q matches nothing under %s", g, src)
		}
		for _, m := range ms {
			rel, _ := filepath.Rel(src, m)
			fi, err := os.Stat(m)
			switch {
			case err != nil:
				return err
			case fi.IsDir():
				err = copyTree(m, filepath.Join(dst, rel), nil)
			case fi.Mode().IsRegular():
				if err = os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err == nil {
					err = copyFile(m, filepath.Join(dst, rel))
				}
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// copyTree copies the regular files under src whose slash-separated path
// relative to src keep accepts (all when keep is nil) to dst, writable.
func copyTree(src, dst string, keep func(rel string) bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || keep != nil && !keep(filepath.ToSlash(rel)) {
			return nil
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}

// copyFile copies one file, writable: sources are headers and Go files, small
// enough to hold in memory.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
