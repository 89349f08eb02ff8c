package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The sandbox tests run a small probe program (testdata/probe) that
// tries what an untrusted variant might: write outside its directory, read
// the home directory, connect to the network, exhaust memory or processes,
// loop forever. Each containment case also runs without bwrap as a positive
// control, proving that the probe really does what it claims and the
// assertion can fail.

// buildProbe builds the probe program outside the sandbox, into the test's
// temporary directory (about half a second with a warm build cache).
func buildProbe(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "probe")
	out, err := osexec.Command("go", "build", "-o", bin, "./testdata/probe").CombinedOutput()
	if err != nil {
		t.Fatalf("couldn't build the probe program: %v\n%s", err, out)
	}
	return bin
}

// testCacheDir is the persistent build cache (warm across test runs, as in use).
func testCacheDir(t testing.TB) string {
	base, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("couldn't find the user cache dir: %v", err)
	}
	return filepath.Join(base, "lessonl", "gocache")
}

// realSandbox returns a bwrap sandbox, skipping the test when bwrap cannot work
// here.
func realSandbox(t *testing.T) *Sandbox {
	t.Helper()
	s := New(Options{CacheDir: testCacheDir(t)})
	if !s.Enabled() {
		t.Skipf("bubblewrap cannot sandbox here, so the sandbox-only assertions cannot run: %s", s.Why())
	}
	return s
}

func sbMarker(t *testing.T) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "lessonl-test-marker-" + hex.EncodeToString(b[:])
}

// processesWith lists the pids whose argv contains m.
func processesWith(m string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(m)) && processAlive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// runProbe runs the probe with args in a fresh work directory.
func runProbe(t *testing.T, s *Sandbox, bin string, lim Limits, args ...string) (RunResult, string, string) {
	t.Helper()
	return runProbeIn(t, s, bin, t.TempDir(), lim, args...)
}

func runProbeIn(t *testing.T, s *Sandbox, bin, dir string, lim Limits, args ...string) (RunResult, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	res, err := s.Run(context.Background(), RunSpec{
		Dir:    dir,
		Args:   append([]string{bin}, args...),
		Limits: lim,
		Stdout: &stdout,
		Stderr: &stderr,
	})
	if err != nil {
		t.Fatalf("Run(%v): %v", args, err)
	}
	return res, stdout.String(), stderr.String()
}

func TestSandboxContainment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	sandboxed := realSandbox(t)
	plain := New(Options{Disabled: true, CacheDir: testCacheDir(t)})
	if plain.Enabled() {
		t.Fatal("a Disabled sandbox says it is enabled")
	}

	// Targets outside the work directory, created fresh for each run. /var/tmp
	// is on the real root filesystem, unlike /tmp which the sandbox replaces.
	outside := func(t *testing.T) string {
		d, err := os.MkdirTemp("/var/tmp", "lessonl-outside-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	// A secret in the real home directory, removed afterwards.
	homeSecret := func(t *testing.T) string {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skipf("no home directory to hide: %v", err)
		}
		f, err := os.CreateTemp(home, ".lessonl-test-secret-")
		if err != nil {
			t.Skipf("couldn't create a secret in the home directory %s: %v", home, err)
		}
		f.WriteString("s3cret")
		f.Close()
		t.Cleanup(func() { os.Remove(f.Name()) })
		return f.Name()
	}

	type check func(t *testing.T, contained bool, dir string, res RunResult, stdout, stderr string)
	cases := []struct {
		name string
		// setup returns the probe's arguments and a check run afterwards.
		setup func(t *testing.T) ([]string, check)
	}{
		{"write outside the work directory", func(t *testing.T) ([]string, check) {
			target := filepath.Join(outside(t), "escaped.txt")
			return []string{"write", target}, func(t *testing.T, contained bool, _ string, res RunResult, stdout, _ string) {
				_, err := os.Stat(target)
				exists := err == nil
				if contained == exists {
					t.Errorf("contained=%v but the file outside exists=%v (probe said %q)", contained, exists, stdout)
				}
				if contained && !strings.Contains(stdout, "read-only file system") {
					t.Errorf("want a read-only file system error, probe said %q", stdout)
				}
			}
		}},
		{"write in /tmp stays private", func(t *testing.T) ([]string, check) {
			// Named like the probe's own temp dirs so nothing real clashes.
			target := filepath.Join(os.TempDir(), sbMarker(t))
			t.Cleanup(func() { os.Remove(target) })
			return []string{"write", target}, func(t *testing.T, contained bool, _ string, res RunResult, stdout, _ string) {
				if stdout != "ok\n" {
					t.Errorf("writing to the private /tmp failed: %q", stdout)
				}
				_, err := os.Stat(target)
				if exists := err == nil; contained == exists {
					t.Errorf("contained=%v but %s exists on the host=%v", contained, target, exists)
				}
			}
		}},
		{"read a file in the home directory", func(t *testing.T) ([]string, check) {
			secret := homeSecret(t)
			return []string{"read", secret}, func(t *testing.T, contained bool, _ string, res RunResult, stdout, _ string) {
				if leaked := strings.Contains(stdout, "s3cret"); leaked == contained {
					t.Errorf("contained=%v but the secret leaked=%v: %q", contained, leaked, stdout)
				}
			}
		}},
		{"connect to a TCP listener on the host's loopback", func(t *testing.T) ([]string, check) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			got := make(chan string, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				b := make([]byte, 100)
				n, _ := c.Read(b)
				c.Close()
				got <- string(b[:n])
			}()
			return []string{"dial", ln.Addr().String()}, func(t *testing.T, contained bool, _ string, res RunResult, stdout, _ string) {
				// The probe has exited: a connection it made is already
				// queued, so closing the listener cannot lose it.
				var msg string
				if !contained {
					msg = <-got
				} else {
					ln.Close()
					select {
					case msg = <-got:
					default:
					}
				}
				if arrived := msg != ""; arrived == contained {
					t.Errorf("contained=%v but a connection arrived=%v (probe said %q)", contained, arrived, stdout)
				}
			}
		}},
		{"environment is scrubbed", func(t *testing.T) ([]string, check) {
			t.Setenv("LESSONL_TEST_SECRET_TOKEN", "hunter2")
			return []string{"env"}, func(t *testing.T, contained bool, dir string, res RunResult, stdout, _ string) {
				// Both modes scrub: a variant never sees our environment.
				if strings.Contains(stdout, "hunter2") {
					t.Errorf("the environment leaked into the run:\n%s", stdout)
				}
				// The go command's settings (GOPROXY=off, ...) are goSpec's:
				// TestGoSpecEnvironment.
				for _, want := range []string{"TMPDIR=/tmp", "HOME=" + dir} {
					if !strings.Contains(stdout, want+"\n") {
						t.Errorf("environment lacks %q:\n%s", want, stdout)
					}
				}
			}
		}},
	}
	for _, tc := range cases {
		for _, mode := range []struct {
			name string
			s    *Sandbox
		}{{"bwrap", sandboxed}, {"no-sandbox control", plain}} {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				args, check := tc.setup(t)
				dir := t.TempDir()
				res, stdout, stderr := runProbeIn(t, mode.s, bin, dir, Limits{Wall: time.Minute}, args...)
				if res.TimedOut || res.Signal != "" {
					t.Fatalf("probe did not finish normally: %+v\nstdout: %s\nstderr: %s", res, stdout, stderr)
				}
				check(t, mode.s.Enabled(), dir, res, stdout, stderr)
			})
		}
	}
}

// TestSandboxHidesHome checks a HOME outside the usual /root and /home (set
// for this process before New) is hidden too.
func TestSandboxHidesHome(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	home, err := os.MkdirTemp("/var/tmp", "lessonl-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	secret := filepath.Join(home, ".netrc")
	if err := os.WriteFile(secret, []byte("machine example.com password s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	cache := testCacheDir(t)
	t.Setenv("HOME", home)
	s := New(Options{CacheDir: cache})
	if !s.Enabled() {
		t.Skipf("bubblewrap cannot sandbox here: %s", s.Why())
	}
	res, stdout, stderr := runProbe(t, s, bin, Limits{}, "read", secret)
	if strings.Contains(stdout, "s3cret") || res.ExitCode != 1 {
		t.Errorf("the sandbox read %s from a HOME outside /home: %+v %q %q", secret, res, stdout, stderr)
	}
}

func TestSandboxLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	sandboxed := realSandbox(t)
	plain := New(Options{Disabled: true, CacheDir: testCacheDir(t)})
	cases := []struct {
		name  string
		procs bool // needs something that caps processes, or it would really bomb the machine
		lim   Limits
		args  func(m string) []string
		check func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string)
	}{
		{
			name: "memory bomb",
			lim:  Limits{Memory: 1 << 30, Wall: 2 * time.Minute},
			args: func(string) []string { return []string{"membomb"} },
			check: func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string) {
				if !res.MemoryExceeded || res.ExitCode == 0 || res.TimedOut {
					t.Errorf("memory bomb not stopped by the memory limit: %+v\nstderr tail: %s", res, tailOf(stderr))
				}
			},
		},
		{
			name: "endless loop",
			lim:  Limits{Wall: 2 * time.Second, CPU: time.Hour},
			args: func(string) []string { return []string{"loop"} },
			check: func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string) {
				if !res.TimedOut || res.ExitCode != -1 || res.Signal != "killed" {
					t.Errorf("endless loop: want a wall-clock kill, got %+v", res)
				}
			},
		},
		{
			name: "CPU limit",
			lim:  Limits{CPU: time.Second, Wall: 5 * time.Minute},
			args: func(string) []string { return []string{"loop"} },
			check: func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string) {
				if !res.CPUExceeded || res.TimedOut || res.ExitCode != -1 {
					t.Errorf("CPU limit: want CPUExceeded before the wall clock, got %+v", res)
				}
			},
		},
		{
			name: "file size limit",
			lim:  Limits{FileSize: 1 << 20},
			args: func(string) []string { return []string{"bigfile", "big", strconv.Itoa(4 << 20)} },
			check: func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string) {
				if res.ExitCode == 0 || !strings.Contains(stdout, "file too large") {
					t.Errorf("a 4 MiB write under a 1 MiB limit: %+v %q %q", res, stdout, stderr)
				}
			},
		},
		{
			name: "exit code",
			args: func(string) []string { return []string{"exit", "3"} },
			check: func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string) {
				if res.ExitCode != 3 || res.Signal != "" || res.TimedOut || res.MemoryExceeded || res.CPUExceeded || res.ProcsExceeded {
					t.Errorf("exit 3: got %+v", res)
				}
			},
		},
		{
			name:  "fork bomb",
			procs: true,
			lim:   Limits{Procs: 64, Wall: 10 * time.Second},
			args:  func(m string) []string { return []string{"forkbomb", m} },
			check: func(t *testing.T, s *Sandbox, res RunResult, stdout, stderr string) {
				if strings.HasPrefix(s.Status().Processes, "cgroup") && !res.ProcsExceeded {
					t.Errorf("fork bomb: the pids cgroup never refused a fork: %+v", res)
				}
				if res.ExitCode == 0 {
					t.Errorf("fork bomb exited 0: %+v", res)
				}
			},
		},
	}
	for _, tc := range cases {
		for _, s := range []*Sandbox{sandboxed, plain} {
			name := tc.name + "/bwrap"
			if !s.Enabled() {
				name = tc.name + "/no-sandbox"
			}
			t.Run(name, func(t *testing.T) {
				if st := s.Status(); tc.procs && strings.HasPrefix(st.Processes, "none") {
					t.Skipf("nothing caps processes here, so a fork bomb would not be contained: %s", st.Processes)
				}
				m := sbMarker(t)
				// Count the run's processes while it runs: a cap that does not
				// bind shows up here whatever enforces it.
				stop, peak := make(chan struct{}), make(chan int, 1)
				go func() {
					most := 0
					for {
						most = max(most, len(processesWith(m)))
						select {
						case <-stop:
							peak <- most
							return
						case <-time.After(20 * time.Millisecond):
						}
					}
				}()
				res, stdout, stderr := runProbe(t, s, bin, tc.lim, tc.args(m)...)
				close(stop)
				most := <-peak
				tc.check(t, s, res, stdout, stderr)
				// +3: bwrap's two processes and the cgroup shim carry the marker
				// in their argv too.
				t.Logf("peak of %d processes at once", most)
				if tc.procs && most > tc.lim.Procs+3 {
					t.Errorf("up to %d processes ran at once, over the cap of %d", most, tc.lim.Procs)
				}
				if left := processesWith(m); len(left) > 0 {
					t.Errorf("%d processes of the run are still alive: %v", len(left), left)
				}
			})
		}
	}
}

func tailOf(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

// TestSandboxSignal checks a command killed by a signal is reported as such,
// through bwrap's pid 1 as well.
func TestSandboxSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	for _, s := range []*Sandbox{realSandbox(t), New(Options{Disabled: true, CacheDir: testCacheDir(t)})} {
		res, err := s.Run(context.Background(), RunSpec{Dir: t.TempDir(), Args: []string{"sh", "-c", "kill -SEGV $$"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != -1 || res.Signal != "segmentation fault" {
			t.Errorf("sandboxed=%v: kill -SEGV: got %+v", s.Enabled(), res)
		}
	}
}

// readyWriter closes ready when the output contains "ready".
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "ready") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func TestSandboxCancelKillsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	for _, s := range []*Sandbox{realSandbox(t), New(Options{Disabled: true, CacheDir: testCacheDir(t)})} {
		t.Run("sandboxed="+strconv.FormatBool(s.Enabled()), func(t *testing.T) {
			m := sbMarker(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := &readyWriter{ready: make(chan struct{})}
			type result struct {
				res RunResult
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := s.Run(ctx, RunSpec{
					Dir:    t.TempDir(),
					Args:   []string{bin, "children", "5", m},
					Limits: Limits{Wall: 10 * time.Minute},
					Stdout: w,
				})
				done <- result{res, err}
			}()
			select {
			case <-w.ready:
			case r := <-done:
				t.Fatalf("probe ended before it was ready: %+v %v %q", r.res, r.err, w.buf.String())
			}
			// The probe and its 5 children, plus bwrap's own processes, whose
			// argv holds the marker too.
			if n := len(processesWith(m)); n < 6 {
				t.Errorf("want at least 6 processes running before cancel, found %d", n)
			}
			cancel()
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !r.res.Canceled || r.res.TimedOut || r.res.ExitCode != -1 {
				t.Errorf("cancel: got %+v", r.res)
			}
			if left := processesWith(m); len(left) > 0 {
				t.Errorf("%d processes survived the cancel: %v", len(left), left)
			}
		})
	}
}

func TestSandboxOutputCap(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	s := realSandbox(t)
	var stdout, stderr bytes.Buffer
	res, err := s.Run(context.Background(), RunSpec{
		Dir:         t.TempDir(),
		Args:        []string{bin, "spew", strconv.Itoa(64 << 20)},
		Stdout:      &stdout,
		Stderr:      &stderr,
		OutputLimit: 10000,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || !res.OutputTruncated {
		t.Errorf("spew 64 MiB: got %+v", res)
	}
	if stdout.Len() != 10000 || stderr.Len() != 10000 {
		t.Errorf("kept %d bytes of stdout and %d of stderr, want 10000 each", stdout.Len(), stderr.Len())
	}
	// One plain bytes.Buffer for both streams: capped together, and written
	// from one goroutine (the race detector would see two).
	var both bytes.Buffer
	res, err = s.Run(context.Background(), RunSpec{
		Dir: t.TempDir(), Args: []string{bin, "spew", "100000"}, Stdout: &both, Stderr: &both, OutputLimit: 150000,
	})
	if err != nil || res.ExitCode != 0 || !res.OutputTruncated || both.Len() != 150000 {
		t.Errorf("spew 2x100000 bytes into one 150000-byte capped writer: kept %d, %+v %v", both.Len(), res, err)
	}
	// nil writers discard: the run still completes.
	res, err = s.Run(context.Background(), RunSpec{Dir: t.TempDir(), Args: []string{bin, "spew", "100000"}})
	if err != nil || res.ExitCode != 0 || res.OutputTruncated {
		t.Errorf("spew with nil writers: %+v %v", res, err)
	}
}

func TestSandboxRunsAsUnprivileged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	s := realSandbox(t)
	if !s.Status().UserNS {
		t.Skip("bwrap runs without a user namespace here")
	}
	_, stdout, _ := runProbe(t, s, bin, Limits{}, "whoami")
	if stdout != "65534 65534\n" {
		t.Errorf("inside the sandbox uid gid = %q, want 65534 65534", stdout)
	}
}

// TestSandboxBinds checks RunSpec.Writable and RunSpec.ReadOnly, and that a
// program reached through a symlink in a hidden directory keeps its name.
func TestSandboxBinds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes in bubblewrap")
	}
	bin := buildProbe(t)
	s := realSandbox(t)
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	ro, err := os.MkdirTemp(home, ".lessonl-test-ro-")
	if err != nil {
		t.Skipf("couldn't create a directory in %s: %v", home, err)
	}
	t.Cleanup(func() { os.RemoveAll(ro) })
	if err := os.WriteFile(filepath.Join(ro, "data"), []byte("shared data"), 0o644); err != nil {
		t.Fatal(err)
	}
	rw, err := os.MkdirTemp("/var/tmp", "lessonl-test-rw-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(rw) })
	link := filepath.Join(ro, "my-tool")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		args []string
		want string // stdout
	}{
		{"read a read-only dir under a hidden one", []string{bin, "read", filepath.Join(ro, "data")}, "content: shared data\nok\n"},
		{"cannot write a read-only dir", []string{bin, "write", filepath.Join(ro, "new")}, "error: open " + filepath.Join(ro, "new") + ": read-only file system\n"},
		{"write a writable dir", []string{bin, "write", filepath.Join(rw, "new")}, "ok\n"},
		{"symlinked program keeps its name", []string{link, "argv0"}, link + "\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			_, err := s.Run(context.Background(), RunSpec{
				Dir: t.TempDir(), Args: tc.args, Writable: []string{rw}, ReadOnly: []string{ro}, Stdout: &stdout,
			})
			if err != nil {
				t.Fatal(err)
			}
			if stdout.String() != tc.want {
				t.Errorf("got %q, want %q", stdout.String(), tc.want)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(rw, "new")); err != nil || string(b) != "escaped\n" {
		t.Errorf("the write to the writable dir is not visible outside: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(ro, "new")); err == nil {
		t.Errorf("a file appeared in the read-only dir")
	}
}

func TestSandboxStartErrors(t *testing.T) {
	s := New(Options{Disabled: true, CacheDir: t.TempDir()})
	cases := []struct {
		name string
		spec RunSpec
		want string
	}{
		{"no args", RunSpec{Dir: t.TempDir()}, "no command given"},
		{"missing dir", RunSpec{Dir: "/nonexistent/lessonl", Args: []string{"true"}}, "work directory"},
		{"missing program", RunSpec{Dir: t.TempDir(), Args: []string{"lessonl-no-such-program"}}, "couldn't find"},
		{"root as work dir", RunSpec{Dir: "/", Args: []string{"true"}}, "whole filesystem writable"},
		{"missing writable dir", RunSpec{Dir: t.TempDir(), Writable: []string{"/nonexistent/lessonl"}, Args: []string{"true"}}, "writable directory"},
		{"root as read-only dir", RunSpec{Dir: t.TempDir(), ReadOnly: []string{"/"}, Args: []string{"true"}}, "defeats the sandbox"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Run(context.Background(), tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Run(ctx, RunSpec{Dir: t.TempDir(), Args: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestSandboxDisabledWhy(t *testing.T) {
	s := New(Options{Disabled: true, CacheDir: t.TempDir()})
	if s.Enabled() || !strings.Contains(s.Why(), "--no-sandbox") {
		t.Errorf("Disabled: Enabled=%v Why=%q", s.Enabled(), s.Why())
	}
	t.Setenv("PATH", t.TempDir()) // no bwrap, no go, no prlimit
	s = New(Options{CacheDir: t.TempDir()})
	if runtime.GOOS == "linux" && (s.Enabled() || s.Why() != "bwrap not found: apt-get install bubblewrap") {
		t.Errorf("without bwrap on PATH: Enabled=%v Why=%q", s.Enabled(), s.Why())
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"A=1", "B=2"}, []string{"B=3", "C=4", "A=5"})
	want := []string{"A=5", "B=3", "C=4"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("mergeEnv = %v, want %v", got, want)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/sys/fs/cgroup`:     "/sys/fs/cgroup",
		`/mnt/with\040space`: "/mnt/with space",
		`/odd\134backslash`:  `/odd\backslash`,
		`/trailing\04`:       `/trailing\04`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSandboxRun measures what the sandbox adds to every build and
// timing run: starting /bin/true with and without bwrap (limits, cgroup and
// the whole-tree wait included).
func BenchmarkSandboxRun(b *testing.B) {
	cache := b.TempDir()
	for _, mode := range []struct {
		name string
		opts Options
	}{{"bwrap", Options{CacheDir: cache}}, {"no-sandbox", Options{Disabled: true, CacheDir: cache}}} {
		b.Run(mode.name, func(b *testing.B) {
			s := New(mode.opts)
			if mode.name == "bwrap" && !s.Enabled() {
				b.Skipf("bubblewrap cannot sandbox here: %s", s.Why())
			}
			dir := b.TempDir()
			for b.Loop() {
				res, err := s.Run(context.Background(), RunSpec{Dir: dir, Args: []string{"/bin/true"}})
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}
