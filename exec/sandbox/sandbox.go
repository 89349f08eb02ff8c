// Package sandbox runs untrusted commands: inside bubblewrap when it works
// here, always with rlimits, a process cap and a wall clock that kills the
// whole tree. It knows no language: toolchains come in as RunSpec fields.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Limits bound one sandboxed process tree. A zero field means the default
// from DefaultLimits, never "unlimited": generated code is untrusted.
type Limits struct {
	CPU      time.Duration // RLIMIT_CPU per process (soft; SIGKILL one second later)
	Memory   int64         // RLIMIT_AS bytes per process; Go reserves address space generously, so keep it >= 2 GiB
	FileSize int64         // RLIMIT_FSIZE bytes: largest file a process may write
	Procs    int           // processes+threads in the sandbox (cgroup pids.max, or RLIMIT_NPROC in a user namespace)
	Wall     time.Duration // wall clock; on expiry the whole process tree is killed
}

// DefaultLimits are generous enough for `go test -c` of a package on a cold
// build cache (the go command runs one compiler per CPU, each with a thread
// per CPU) and small enough to stop a runaway variant quickly.
func DefaultLimits() Limits {
	n := runtime.NumCPU()
	return Limits{
		CPU:      2 * time.Minute,
		Memory:   4 << 30,
		FileSize: 1 << 30,
		Procs:    256 + n*(n+8),
		Wall:     2 * time.Minute,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.CPU <= 0 {
		l.CPU = d.CPU
	}
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.FileSize <= 0 {
		l.FileSize = d.FileSize
	}
	if l.Procs <= 0 {
		l.Procs = d.Procs
	}
	if l.Wall <= 0 {
		l.Wall = d.Wall
	}
	return l
}

// Options configure New.
type Options struct {
	Disabled bool   // never use bwrap (the user asked for --no-sandbox / sandbox=false)
	CacheDir string // persistent directory for the runs' build cache (RunSpec.Writable); default os.UserCacheDir()/lessonl/gocache
}

// Sandbox runs untrusted commands: inside bubblewrap when it works here (no
// network, read-only root, private /tmp, hidden home directories, pid
// namespace, scrubbed environment), always with rlimits, a process cap and a
// wall-clock timeout that kills the whole tree. It is safe for concurrent use.
type Sandbox struct {
	bwrap    string // path; "" when not used
	userns   bool   // bwrap runs the command as uid 65534 in a new user namespace
	enabled  bool
	why      string // why not enabled, with the fix
	fix      string // just the fix
	prlimit  string // path of util-linux prlimit; "" when missing (no rlimits)
	cacheDir string
	cgroup   *pidsCgroup // nil when no writable pids cgroup exists here
	hidden   []string    // directories replaced by an empty tmpfs inside bwrap
}

// New finds bwrap, prlimit and a pids cgroup once, and checks that bwrap
// can really create its namespaces here by running `bwrap ... true`. It never
// fails: what is missing is reported by Enabled, Why and Status.
func New(o Options) *Sandbox {
	s := &Sandbox{cacheDir: o.CacheDir}
	if s.cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		s.cacheDir = filepath.Join(base, "lessonl", "gocache")
	}
	if abs, err := filepath.Abs(s.cacheDir); err == nil {
		s.cacheDir = abs
	}
	if err := os.MkdirAll(s.cacheDir, 0o755); err != nil {
		slog.Warn("couldn't create the sandbox build cache; builds will fail to cache", "dir", s.cacheDir, "err", err)
	} else if rp, err := filepath.EvalSymlinks(s.cacheDir); err == nil {
		s.cacheDir = rp // bound as itself inside bwrap
	}
	if p, err := osexec.LookPath("prlimit"); err == nil {
		s.prlimit = p
	}
	s.hidden = hiddenDirs()
	s.cgroup = findPidsCgroup()

	switch {
	case o.Disabled:
		s.fix = "drop --no-sandbox (or set \"sandbox\": true) to run variants inside bubblewrap"
		s.why = "sandbox disabled by the user: " + s.fix
	case runtime.GOOS != "linux":
		s.why = "bubblewrap needs Linux; on " + runtime.GOOS + " variants run with rlimits and timeouts only"
	default:
		p, err := osexec.LookPath("bwrap")
		if err != nil {
			s.fix = "apt-get install bubblewrap"
			s.why = "bwrap not found: " + s.fix
			break
		}
		s.bwrap = p
		// A user namespace drops every capability even when we are root, and
		// makes RLIMIT_NPROC count only the sandbox's own processes. Where
		// user namespaces are forbidden, root can still sandbox without one.
		errUserns := s.probe(true)
		if errUserns == nil {
			s.userns, s.enabled = true, true
			break
		}
		if os.Geteuid() == 0 {
			if err := s.probe(false); err == nil {
				s.enabled = true
				break
			}
		}
		s.bwrap = ""
		s.fix = "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu), or run outside this container"
		s.why = "bwrap cannot create namespaces here: " + errUserns.Error() + "; " + s.fix
	}
	if !s.enabled {
		slog.Debug("running variants without bubblewrap", "why", s.why)
	}
	return s
}

// probe runs `bwrap <our usual arguments> true` and returns why it failed.
func (s *Sandbox) probe(userns bool) error {
	old := s.userns
	s.userns = userns
	defer func() { s.userns = old }()
	dir, err := os.MkdirTemp("", "lessonl-probe-")
	if err != nil {
		return fmt.Errorf("couldn't make a probe directory: %w", err)
	}
	defer os.RemoveAll(dir)
	truePath, err := osexec.LookPath("true")
	if err != nil {
		truePath = "/bin/true" // PATH may be minimal; true is always there
	}
	args := append(s.bwrapArgs(RunSpec{Dir: dir, Args: []string{truePath}}, truePath, nil), truePath)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, s.bwrap, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return errors.New(msg)
	}
	return nil
}

// Enabled reports whether runs really happen inside bubblewrap.
func (s *Sandbox) Enabled() bool { return s.enabled }

// Why says, when Enabled is false, why not and how to fix it.
func (s *Sandbox) Why() string { return s.why }

// CacheDir is the persistent build cache directory, created by New;
// a run writes it only when its RunSpec.Writable names it.
func (s *Sandbox) CacheDir() string { return s.cacheDir }

// Status describes how runs are contained, for `lessonl doctor` and
// reports.
type Status struct {
	Enabled   bool   `json:"enabled"`
	Why       string `json:"why,omitempty"` // why not enabled, with the fix
	Fix       string `json:"fix,omitempty"` // just the fix
	Bwrap     string `json:"bwrap,omitempty"`
	UserNS    bool   `json:"userns"`
	Rlimits   string `json:"rlimits"`   // how CPU/memory/file limits are applied
	Processes string `json:"processes"` // what caps the number of processes
	// RlimitsEnforced and ProcessesCapped are false when Rlimits or
	// Processes say "none: ..." (with the fix).
	RlimitsEnforced bool   `json:"rlimits_enforced"`
	ProcessesCapped bool   `json:"processes_capped"`
	CacheDir        string `json:"cache_dir"`
}

// Status describes the sandbox's containment.
func (s *Sandbox) Status() Status {
	st := Status{Enabled: s.enabled, Why: s.why, Fix: s.fix, Bwrap: s.bwrap, UserNS: s.userns, CacheDir: s.cacheDir}
	st.RlimitsEnforced = s.prlimit != ""
	st.ProcessesCapped = true
	if s.prlimit != "" {
		st.Rlimits = "CPU time, address space and file size by prlimit"
	} else {
		st.Rlimits = "none: prlimit not found, so CPU time, memory and file size are unlimited (apt-get install util-linux)"
	}
	switch {
	case s.cgroup != nil:
		st.Processes = "cgroup " + s.cgroup.version + " pids.max"
	case s.prlimit != "" && s.userns:
		st.Processes = "RLIMIT_NPROC in a user namespace"
	case s.prlimit != "" && os.Geteuid() != 0:
		st.Processes = "RLIMIT_NPROC (counts all of this user's processes)"
	default:
		st.ProcessesCapped = false
		st.Processes = "none: running as root without a writable pids cgroup, so a fork bomb is stopped only by the wall clock; run as a normal user, or give lessonl a writable cgroup with the pids controller"
	}
	return st
}

// RunSpec is one command to run in the sandbox.
type RunSpec struct {
	Dir      string   // working directory; bound read-write; everything else read-only
	Writable []string // more read-write directories (a build cache); runs of untrusted binaries get none, so they cannot poison what later builds reuse
	ReadOnly []string // directories to show read-only even if they are under a hidden one (/tmp, /home, /root): a toolchain, a module cache
	Path     []string // directories put before the default PATH (/usr/local/bin:/usr/bin:/bin): a toolchain's bin
	Args     []string // argv; Args[0] is resolved on PATH outside the sandbox
	// Env is added on top of a scrubbed minimal environment: PATH, HOME=Dir,
	// TMPDIR=/tmp, LANG=C.UTF-8. A toolchain's settings are the caller's to
	// pass.
	Env    []string
	Limits Limits
	Stdin  io.Reader // nil = empty
	// Stdout and Stderr receive at most OutputLimit bytes each (default
	// 1 MiB), or together when they are the same writer, which is then
	// never written from two goroutines at once. The rest is read and
	// dropped so the process never blocks on a full pipe. nil = discard.
	Stdout, Stderr io.Writer
	OutputLimit    int64
}

// RunResult is how a sandboxed run ended.
type RunResult struct {
	ExitCode        int    // -1 if killed by a signal
	Signal          string // e.g. "killed", "segmentation fault"
	TimedOut        bool   // the wall clock expired and we killed the tree
	Canceled        bool   // the context was cancelled and we killed the tree
	CPUExceeded     bool   // best effort: SIGXCPU, or killed after using the CPU limit
	MemoryExceeded  bool   // best effort: an out-of-memory message on stderr
	ProcsExceeded   bool   // best effort: the pids cgroup refused a fork
	OutputTruncated bool   // Stdout or Stderr hit OutputLimit
	Wall            time.Duration
}

const defaultOutputLimit = 1 << 20

// Run runs spec.Args under the sandbox and waits for the whole tree to end.
// The error is only for failures to start (bad spec, missing program); how the
// program ended is in RunResult. Cancelling ctx kills every process of the run
// before Run returns.
func (s *Sandbox) Run(ctx context.Context, spec RunSpec) (RunResult, error) {
	if len(spec.Args) == 0 {
		return RunResult{}, errors.New("couldn't run in the sandbox: no command given; set RunSpec.Args")
	}
	if err := ctx.Err(); err != nil {
		return RunResult{}, fmt.Errorf("couldn't start %s: %w", spec.Args[0], err)
	}
	dir, err := realDir(spec.Dir)
	if err != nil {
		return RunResult{}, fmt.Errorf("couldn't use %q as the sandbox's work directory: %w; pass an existing directory in RunSpec.Dir", spec.Dir, err)
	}
	if dir == "/" {
		return RunResult{}, errors.New("couldn't run in the sandbox: the work directory is /, which would make the whole filesystem writable; use a dedicated directory")
	}
	spec.Dir = dir
	// Paths are bound as themselves inside bwrap: resolve them now.
	spec.Writable, err = realDirs(spec.Writable, "writable")
	if err != nil {
		return RunResult{}, err
	}
	spec.ReadOnly, err = realDirs(spec.ReadOnly, "read-only")
	if err != nil {
		return RunResult{}, err
	}
	prog, err := lookPathIn(spec.Args[0], dir)
	if err != nil {
		return RunResult{}, fmt.Errorf("couldn't find %q: %w; install it or pass an absolute path", spec.Args[0], err)
	}
	lim := spec.Limits.withDefaults()
	spec.Limits = lim

	var cg *runCgroup
	if s.cgroup != nil {
		cg, err = s.cgroup.newRun(lim.Procs + 4) // +4: sh, bwrap and its pid 1
		if err != nil {
			slog.Warn("couldn't create a pids cgroup for this run; processes capped by rlimits only", "err", err)
			cg = nil
		}
	}
	defer cg.remove()

	argv := s.commandLine(spec, prog, cg)
	cmd := osexec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = s.env(spec)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Stdin = spec.Stdin
	limit := spec.OutputLimit
	if limit <= 0 {
		limit = defaultOutputLimit
	}
	stdout := &capWriter{w: spec.Stdout, left: limit}
	stderr := &capWriter{w: spec.Stderr, left: limit, tail: true}
	if spec.Stdout != nil && sameWriter(spec.Stdout, spec.Stderr) {
		// One writer for both (a combined log): one capWriter, so os/exec
		// uses one pipe and never writes to it from two goroutines.
		stdout = stderr
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Should a process escape the kill (it cannot inside bwrap), Wait still
	// returns once its pipes have been given this long.
	cmd.WaitDelay = 2 * time.Second

	var info *infoPipe
	if s.enabled {
		info, err = newInfoPipe()
		if err != nil {
			return RunResult{}, fmt.Errorf("couldn't start the sandbox: %w", err)
		}
		cmd.ExtraFiles = []*os.File{info.w}
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		info.close()
		return RunResult{}, fmt.Errorf("couldn't start %s in the sandbox: %w", spec.Args[0], err)
	}
	if info != nil {
		info.w.Close() // the child has its copy
		go info.read()
	}

	var res RunResult
	done := make(chan struct{})
	waitDone := make(chan struct{})
	go func() {
		defer close(waitDone)
		timer := time.NewTimer(lim.Wall)
		defer timer.Stop()
		select {
		case <-done:
			return
		case <-timer.C:
			res.TimedOut = true
		case <-ctx.Done():
			res.Canceled = true
		}
		// bwrap's pid 1 first: its whole pid namespace dies with it, and
		// bwrap, still alive, reaps it and exits (no orphaned zombie).
		if info != nil && info.kill() {
			select {
			case <-done:
				cg.killAll()
				return
			case <-time.After(time.Second):
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cg.killAll()
	}()
	waitErr := cmd.Wait()
	close(done)
	<-waitDone
	res.Wall = time.Since(start)
	// The outer process is gone; make sure nothing it started outlives it
	// (after a hard kill, bwrap's pid 1 is torn down asynchronously).
	s.reap(info, cg)
	if info != nil {
		info.close()
	}

	ps := cmd.ProcessState
	// CPU time of the reaped tree; bwrap's pid 1 does not pass its
	// children's usage on, so under bwrap this undercounts.
	var cpu time.Duration
	if ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
			cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	var sig syscall.Signal = -1
	switch {
	case ps == nil:
		res.ExitCode = -1
	case !ps.Exited():
		res.ExitCode = -1
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			sig = ws.Signal()
		}
	default:
		res.ExitCode = ps.ExitCode()
		// bwrap's pid 1 reports a command killed by signal N as exit 128+N.
		if s.enabled && res.ExitCode > 128 && res.ExitCode < 128+65 {
			sig = syscall.Signal(res.ExitCode - 128)
			res.ExitCode = -1
		}
	}
	if sig > 0 {
		res.Signal = sig.String()
	}
	if res.TimedOut || res.Canceled {
		res.ExitCode = -1
		if res.Signal == "" {
			res.Signal = syscall.SIGKILL.String()
		}
	}
	if waitErr != nil && ps == nil {
		slog.Debug("sandboxed command ended abnormally", "err", waitErr)
	}
	// RLIMIT_CPU sends SIGXCPU (which Go ignores), then SIGKILL a second
	// later. A SIGKILL we did not send, after at least the CPU limit in CPU
	// or wall time, is most likely that.
	res.CPUExceeded = sig == syscall.SIGXCPU ||
		(sig == syscall.SIGKILL && !res.TimedOut && !res.Canceled && (cpu >= lim.CPU || res.Wall >= lim.CPU))
	res.MemoryExceeded = outOfMemory(stderr.tailBytes())
	res.ProcsExceeded = cg.refusedFork()
	res.OutputTruncated = stdout.dropped || stderr.dropped
	return res, nil
}

// commandLine builds [sh -c join-cgroup] [bwrap ... --] [prlimit ... --] prog args.
func (s *Sandbox) commandLine(spec RunSpec, prog string, cg *runCgroup) []string {
	var argv []string
	if cg != nil {
		// The shell joins the run's cgroup before exec'ing the rest, so every
		// descendant is counted from its first fork.
		argv = append(argv, "/bin/sh", "-c", `echo $$ > "$0" && exec "$@"`, cg.procsFile())
	}
	inner := append(s.rlimitArgs(spec.Limits), prog)
	inner = append(inner, spec.Args[1:]...)
	if s.enabled {
		argv = append(argv, s.bwrap)
		argv = append(argv, s.bwrapArgs(spec, prog, []string{"--info-fd", "3"})...)
	}
	return append(argv, inner...)
}

func (s *Sandbox) rlimitArgs(l Limits) []string {
	if s.prlimit == "" {
		return nil
	}
	cpu := int64(math.Ceil(l.CPU.Seconds()))
	args := []string{
		s.prlimit,
		fmt.Sprintf("--cpu=%d:%d", cpu, cpu+1),
		fmt.Sprintf("--as=%d", l.Memory),
		fmt.Sprintf("--fsize=%d", l.FileSize),
		"--core=0",
	}
	// RLIMIT_NPROC never binds root, and outside a user namespace it counts
	// every process of the user, not just ours.
	switch {
	case s.enabled && s.userns:
		args = append(args, fmt.Sprintf("--nproc=%d", l.Procs))
	case os.Geteuid() != 0 && s.cgroup == nil:
		args = append(args, fmt.Sprintf("--nproc=%d", l.Procs+countUserTasks(os.Geteuid())))
	}
	return append(args, "--")
}

// bwrapArgs are bwrap's options up to and including "--".
func (s *Sandbox) bwrapArgs(spec RunSpec, prog string, extra []string) []string {
	a := []string{"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"}
	// Hidden directories: home directories (secrets), /run (sockets such as
	// docker.sock stay connectable on a read-only mount).
	for _, d := range s.hidden {
		a = append(a, "--tmpfs", d)
	}
	// Read-only things the command needs that may sit under a hidden
	// directory: the toolchain, the module cache, the program itself.
	ro := slices.Clone(spec.ReadOnly)
	visible := append(append([]string{spec.Dir}, spec.Writable...), spec.ReadOnly...)
	// prog keeps its own name (clang++ and busybox look at argv[0]); a
	// symlink's target must be visible too, and bound first: bwrap cannot
	// bind onto a symlink whose target does not exist yet.
	if target, err := filepath.EvalSymlinks(prog); err == nil && target != prog && !UnderAny(target, visible) {
		ro = append(ro, target)
	}
	if !UnderAny(prog, visible) {
		ro = append(ro, prog)
	}
	for _, p := range ro {
		if p == "" || !s.isHidden(p) {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			a = append(a, "--ro-bind", p, p)
		}
	}
	for _, w := range spec.Writable {
		a = append(a, "--bind", w, w)
	}
	a = append(a, "--bind", spec.Dir, spec.Dir, "--chdir", spec.Dir,
		"--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
		"--hostname", "lessonl-sandbox", "--die-with-parent", "--new-session")
	if s.userns {
		a = append(a, "--unshare-user", "--uid", "65534", "--gid", "65534")
	} else {
		a = append(a, "--cap-drop", "ALL")
	}
	a = append(a, "--clearenv")
	for _, kv := range s.env(spec) {
		k, v, _ := strings.Cut(kv, "=")
		a = append(a, "--setenv", k, v)
	}
	a = append(a, extra...)
	return append(a, "--")
}

// isHidden reports whether p is under /tmp or a directory replaced by tmpfs.
func (s *Sandbox) isHidden(p string) bool {
	return UnderAny(p, append([]string{"/tmp"}, s.hidden...))
}

// env is the scrubbed environment of a run: nothing of ours leaks in.
func (s *Sandbox) env(spec RunSpec) []string {
	path := strings.Join(append(slices.Clone(spec.Path), "/usr/local/bin", "/usr/bin", "/bin"), ":")
	base := []string{
		"PATH=" + path,
		"HOME=" + spec.Dir,
		"TMPDIR=/tmp",
		"LANG=C.UTF-8",
	}
	return mergeEnv(base, spec.Env)
}

// mergeEnv returns base with extra's keys overriding, order kept.
func mergeEnv(base, extra []string) []string {
	idx := map[string]int{}
	out := make([]string, 0, len(base)+len(extra))
	for _, kv := range append(append([]string(nil), base...), extra...) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := idx[k]; ok {
			out[i] = kv
			continue
		}
		idx[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// reap waits until no process of the run is left: the cgroup is empty, and
// bwrap's pid 1 (and so its namespace) is gone.
func (s *Sandbox) reap(info *infoPipe, cg *runCgroup) {
	if info != nil {
		// bwrap has exited, so the pipe is at EOF or the pid already read.
		select {
		case <-info.got:
		case <-time.After(2 * time.Second):
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		alive := false
		if cg.populated() {
			alive = true
			cg.killAll()
		}
		if info != nil && info.kill() {
			alive = true
		}
		if !alive {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	slog.Warn("sandboxed processes survived SIGKILL for 10s", "cgroup", cg != nil)
}

// processAlive reports whether pid exists and is not a zombie (a zombie pid 1
// of a pid namespace has already killed the rest of its namespace).
func processAlive(pid int) bool {
	_, state, ok := procStat(pid)
	return ok && state != 'Z' && state != 'X'
}

// procStat returns a process's start time (clock ticks since boot: with the
// pid, an identity that survives pid reuse) and its state letter.
func procStat(pid int) (start uint64, state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The fields follow the command name in parentheses, which may contain
	// spaces or parentheses itself.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return start, f[0][0], true
}

// infoPipe carries bwrap's --info-fd JSON: the pid of its pid 1, which we
// pin to its start time so a reused pid is never signalled.
type infoPipe struct {
	r, w  *os.File
	mu    sync.Mutex
	pid   int
	start uint64
	got   chan struct{} // closed once pid is known or can no longer be
}

func newInfoPipe() (*infoPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &infoPipe{r: r, w: w, got: make(chan struct{})}, nil
}

func (p *infoPipe) read() {
	defer close(p.got)
	var info struct {
		ChildPid int `json:"child-pid"`
	}
	if json.NewDecoder(io.LimitReader(p.r, 1<<16)).Decode(&info) != nil || info.ChildPid <= 0 {
		return
	}
	start, _, ok := procStat(info.ChildPid)
	if !ok {
		return // already gone
	}
	p.mu.Lock()
	p.pid, p.start = info.ChildPid, start
	p.mu.Unlock()
}

// kill SIGKILLs bwrap's pid 1 if it is still alive, and reports whether it was.
func (p *infoPipe) kill() bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	pid, start := p.pid, p.start
	p.mu.Unlock()
	if pid <= 0 {
		return false
	}
	st, state, ok := procStat(pid)
	if !ok || st != start || state == 'Z' || state == 'X' {
		return false
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return true
}

func (p *infoPipe) close() {
	if p == nil {
		return
	}
	p.w.Close()
	p.r.Close()
}

// capWriter keeps the first left bytes (and, for stderr, a tail for
// diagnosis) and swallows the rest.
type capWriter struct {
	w       io.Writer
	left    int64
	dropped bool
	tail    bool
	buf     []byte // last tailSize bytes when tail is set
	mu      sync.Mutex
}

const tailSize = 8 << 10

func (c *capWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tail {
		c.buf = append(c.buf, p...)
		if len(c.buf) > tailSize {
			c.buf = append(c.buf[:0:0], c.buf[len(c.buf)-tailSize:]...)
		}
	}
	n := int64(len(p))
	if n > c.left {
		c.dropped = true
		n = c.left
	}
	if c.w != nil && n > 0 {
		// A failing destination must not stall the program: keep draining.
		_, _ = c.w.Write(p[:n])
	}
	c.left -= n
	return len(p), nil
}

// sameWriter is a == b without the panic of comparing uncomparable values.
func sameWriter(a, b io.Writer) bool {
	if a == nil || b == nil {
		return false
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

func (c *capWriter) tailBytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf
}

// outOfMemory recognises the messages of runtimes that ran out of memory
// under RLIMIT_AS (Go, glibc, C++, Python).
func outOfMemory(stderr []byte) bool {
	for _, m := range []string{
		"runtime: out of memory",
		"cannot allocate memory",
		"std::bad_alloc",
		"MemoryError",
		"out of memory",
	} {
		if bytes.Contains(stderr, []byte(m)) {
			return true
		}
	}
	return false
}

func realDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("no directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rp, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(rp)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", errors.New("not a directory")
	}
	return rp, nil
}

func realDirs(dirs []string, what string) ([]string, error) {
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		rd, err := realDir(d)
		if err != nil {
			return nil, fmt.Errorf("couldn't bind %s directory %q into the sandbox: %w; create it first", what, d, err)
		}
		if rd == "/" {
			return nil, fmt.Errorf("couldn't bind %q into the sandbox: / as a %s directory defeats the sandbox; name the directories it needs", d, what)
		}
		out = append(out, rd)
	}
	return out, nil
}

// lookPathIn resolves name like a shell would from dir, and returns an
// absolute path whose directory is symlink-free (bwrap binds real paths) but
// whose last element is kept, since some programs look at their own name.
func lookPathIn(name, dir string) (string, error) {
	var p string
	if strings.Contains(name, "/") {
		p = name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", errors.New("not an executable file")
		}
	} else {
		var err error
		p, err = osexec.LookPath(name)
		if err != nil {
			return "", err
		}
		if p, err = filepath.Abs(p); err != nil {
			return "", err
		}
	}
	d, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return "", err
	}
	return filepath.Join(d, filepath.Base(p)), nil
}

// UnderAny reports whether p is one of dirs or inside one of them.
func UnderAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if p == d || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
	}
	return false
}

// hiddenDirs are replaced by empty tmpfs inside bwrap: home directories and
// /run. The user's home is added when it lives elsewhere.
func hiddenDirs() []string {
	var out []string
	add := func(d string) {
		if d == "" || d == "/" || UnderAny(d, out) {
			return
		}
		rp, err := filepath.EvalSymlinks(d)
		if err != nil {
			return
		}
		if fi, err := os.Stat(rp); err != nil || !fi.IsDir() || rp == "/" || UnderAny(rp, out) {
			return
		}
		out = append(out, rp)
	}
	add("/root")
	add("/home")
	add("/run")
	if h, err := os.UserHomeDir(); err == nil {
		add(h)
	}
	return out
}

// countUserTasks counts the threads of uid, for an RLIMIT_NPROC that allows
// Procs more than the user already runs.
func countUserTasks(uid int) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		var threads, owner = 0, -1
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Uid:"); ok {
				if f := strings.Fields(v); len(f) > 0 {
					owner, _ = strconv.Atoi(f[0])
				}
			}
			if v, ok := strings.CutPrefix(line, "Threads:"); ok {
				threads, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if owner == uid {
			n += threads
		}
	}
	return n
}
