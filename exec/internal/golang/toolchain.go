package golang

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/lessonl/lessonl/exec/sandbox"
)

// goToolchain is where the go command on PATH keeps its toolchain and
// module cache.
type goToolchain struct{ goroot, gopath, gomodcache string }

// theGoToolchain asks the go command once.
var theGoToolchain = sync.OnceValue(findGoToolchain)

func findGoToolchain() goToolchain {
	gobin, err := osexec.LookPath("go")
	if err != nil {
		return goToolchain{}
	}
	out, err := osexec.Command(gobin, "env", "GOROOT", "GOPATH", "GOMODCACHE").Output()
	if err != nil {
		return goToolchain{}
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 3 {
		return goToolchain{}
	}
	real := func(p string) string {
		if rp, err := filepath.EvalSymlinks(p); err == nil {
			return rp
		}
		return p
	}
	return goToolchain{goroot: real(lines[0]), gopath: lines[1], gomodcache: real(lines[2])}
}

// goSpec gives a run of the go command or of a test binary what it needs in
// the sandbox: the toolchain's bin first on PATH, the toolchain and the
// module cache visible read-only, and the go command's settings, with
// GOCACHE in cacheDir. Only builds (build set) may write the cache: a
// variant's binary must not poison the objects later builds reuse.
func goSpec(spec sandbox.RunSpec, cacheDir string, build bool) sandbox.RunSpec {
	tc := theGoToolchain()
	env := []string{"GOCACHE=" + cacheDir, "GOTOOLCHAIN=local", "GOPROXY=off", "GOTELEMETRY=off"}
	if tc.gopath != "" {
		env = append(env, "GOPATH="+tc.gopath)
	}
	if tc.gomodcache != "" {
		env = append(env, "GOMODCACHE="+tc.gomodcache)
	}
	spec.Env = append(env, spec.Env...)
	if tc.goroot != "" {
		spec.Path = append([]string{filepath.Join(tc.goroot, "bin")}, spec.Path...)
	}
	var ro []string
	for _, d := range []string{tc.goroot, tc.gomodcache} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(d); err == nil {
			ro = append(ro, d)
		}
	}
	spec.ReadOnly = append(ro, spec.ReadOnly...)
	if build {
		if _, err := os.Stat(cacheDir); err == nil {
			spec.Writable = append(spec.Writable, cacheDir)
		}
	}
	return spec
}
