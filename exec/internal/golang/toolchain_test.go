package golang

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec/sandbox"
)

// goTestSandbox is a bwrap sandbox on the persistent build cache, or skips.
func goTestSandbox(t testing.TB) *sandbox.Sandbox {
	t.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("couldn't find the user cache dir: %v", err)
	}
	s := sandbox.New(sandbox.Options{CacheDir: filepath.Join(base, "lessonl", "gocache")})
	if !s.Enabled() {
		t.Skipf("bubblewrap cannot sandbox here, so the sandbox-only assertions cannot run: %s", s.Why())
	}
	return s
}

// TestGoSpecEnvironment: Go runs get the go command's settings on top of the
// sandbox's scrubbed environment, with and without bwrap.
func TestGoSpecEnvironment(t *testing.T) {
	for _, s := range []*sandbox.Sandbox{sandbox.New(sandbox.Options{CacheDir: t.TempDir()}), sandbox.New(sandbox.Options{Disabled: true, CacheDir: t.TempDir()})} {
		dir := t.TempDir()
		var out bytes.Buffer
		res, err := s.Run(context.Background(), goSpec(sandbox.RunSpec{Dir: dir, Args: []string{"env"}, Stdout: &out}, s.CacheDir(), false))
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("env in the sandbox (enabled %v): %+v %v", s.Enabled(), res, err)
		}
		for _, want := range []string{"GOPROXY=off", "GOTOOLCHAIN=local", "GOCACHE=" + s.CacheDir(), "TMPDIR=/tmp", "HOME=" + dir} {
			if !strings.Contains(out.String(), want+"\n") {
				t.Errorf("environment (enabled %v) lacks %q:\n%s", s.Enabled(), want, out.String())
			}
		}
	}
}

// TestSandboxGoToolchain builds and runs a test binary inside the sandbox with
// the module cache read-only and GOCACHE in the sandbox's cache dir, as the
// runner does.
func TestSandboxGoToolchain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command in bubblewrap")
	}
	s := goTestSandbox(t)
	dir := t.TempDir()
	writeSumPackage(t, dir)
	var out bytes.Buffer
	res, err := s.Run(context.Background(), goSpec(sandbox.RunSpec{
		Dir:    dir,
		Args:   []string{"go", "test", "-c", "-o", "sum.test", "."},
		Stdout: &out, Stderr: &out,
		Limits: sandbox.Limits{Wall: 5 * time.Minute},
	}, s.CacheDir(), true))
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("go test -c in the sandbox: %+v\n%s", res, out.String())
	}
	out.Reset()
	res, err = s.Run(context.Background(), goSpec(sandbox.RunSpec{Dir: dir, Args: []string{"./sum.test", "-test.v"}, Stdout: &out, Stderr: &out}, s.CacheDir(), false))
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || !strings.Contains(out.String(), "--- PASS: TestSum") {
		t.Fatalf("running the test binary in the sandbox: %+v\n%s", res, out.String())
	}
}

// BenchmarkSandboxGoTestC is a warm-cache `go test -c` of a tiny package in
// the sandbox: the build step of every measurement.
func BenchmarkSandboxGoTestC(b *testing.B) {
	s := goTestSandbox(b)
	dir := b.TempDir()
	writeSumPackage(b, dir)
	build := func() {
		var out bytes.Buffer
		res, err := s.Run(context.Background(), goSpec(sandbox.RunSpec{
			Dir: dir, Args: []string{"go", "test", "-c", "-o", "sum.test", "."}, Stdout: &out, Stderr: &out,
		}, s.CacheDir(), true))
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("%+v %v\n%s", res, err, out.String())
		}
	}
	build() // warm the cache
	for b.Loop() {
		build()
	}
}

func writeSumPackage(t testing.TB, dir string) {
	for name, src := range map[string]string{
		"go.mod":      "module example.com/sum\n\ngo 1.22\n",
		"sum.go":      "package sum\n\nfunc Sum(xs []int) (s int) {\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n",
		"sum_test.go": "package sum\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum([]int{1, 2, 3}) != 6 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
