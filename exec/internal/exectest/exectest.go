// Package exectest holds the test helpers the runner's packages share.
package exectest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TreeHash hashes every file under dir, to prove a measurement changed none.
func TreeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\n", p)
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// PidsWith lists live processes (not zombies) whose command line contains
// m, as "pid: command line".
func PidsWith(m string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(m)) && alive(pid) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

func MustAbs(t *testing.T, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// WriteTree writes files (slash paths to texts) under dir and returns the
// paths by name.
func WriteTree(t testing.TB, dir string, files map[string]string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// Untouched checks, at the end of a test that measured hostile variants,
// what they could have touched: the files of escapes (removed when a
// variant wrote one), the tree under dir (TreeHash before was before), and
// processes whose command line carries mark (a fork bomb's).
func Untouched(t *testing.T, dir, before string, escapes []string, mark string) {
	t.Helper()
	for _, p := range escapes {
		if _, err := os.Stat(p); err == nil {
			os.Remove(p)
			t.Errorf("a variant wrote %s outside its work directory", p)
		}
	}
	if after := TreeHash(t, dir); after != before {
		t.Errorf("measuring changed files under %s", dir)
	}
	if pids := PidsWith(mark); len(pids) > 0 {
		t.Errorf("the fork bomb's processes outlived the measurement: %v", pids)
	}
}

// SpliceCase is a txtar splice case written out: a comment with "target:
// NAME", the target file first, the other files, the variant and want*
// sections (left in the archive).
type SpliceCase struct {
	Path    string
	Archive *txtar.Archive
	Target  string // the function to replace
	Variant string
	Main    string // the target file, written into a temporary directory with the others
}

// ReadSpliceCase parses the case at path and writes its files.
func ReadSpliceCase(t *testing.T, path string) SpliceCase {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := SpliceCase{Path: path, Archive: ar}
	for _, l := range strings.Split(string(ar.Comment), "\n") {
		if v, ok := strings.CutPrefix(l, "target: "); ok {
			c.Target = strings.TrimSpace(v)
		}
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		switch {
		case f.Name == "variant":
			c.Variant = string(f.Data)
		case strings.HasPrefix(f.Name, "want"):
		default:
			if c.Main == "" {
				c.Main = filepath.Join(dir, f.Name)
			}
			if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// Want returns the case's want sections by name.
func (c SpliceCase) Want() map[string]string {
	want := map[string]string{}
	for _, f := range c.Archive.Files {
		if strings.HasPrefix(f.Name, "want") {
			want[f.Name] = string(f.Data)
		}
	}
	return want
}

// Update rewrites the case's file with got as its want sections, in the
// order names gives (-update-golden).
func (c SpliceCase) Update(t *testing.T, got map[string]string, names ...string) {
	t.Helper()
	var keep []txtar.File
	for _, f := range c.Archive.Files {
		if !strings.HasPrefix(f.Name, "want") {
			keep = append(keep, f)
		}
	}
	for _, name := range names {
		if s, ok := got[name]; ok {
			keep = append(keep, txtar.File{Name: name, Data: []byte(s)})
		}
	}
	c.Archive.Files = keep
	if err := os.WriteFile(c.Path, txtar.Format(c.Archive), 0o644); err != nil {
		t.Fatal(err)
	}
}

// EachSpliceCase runs run as a subtest on every txtar case in dir.
func EachSpliceCase(t *testing.T, dir string, run func(t *testing.T, c SpliceCase)) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("no %s cases", dir)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			run(t, ReadSpliceCase(t, path))
		})
	}
}

// Hostile starts a test that measures hostile variants of the code under
// dir (skipped with -short): the hash of dir's files for Untouched, the home
// directory a variant may try to write, and a tag unique to this run.
func Hostile(t *testing.T, dir string) (before, home, tag string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs real variants")
	}
	before = TreeHash(t, dir)
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	return before, home, strconv.FormatUint(rand.Uint64(), 36)
}
