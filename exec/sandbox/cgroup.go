package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// pidsCgroup is a cgroup directory, writable by us, whose children can carry a
// pids.max: the only process cap that binds root (RLIMIT_NPROC does not), so
// it is what stops a fork bomb when lessonl runs as root (CI, containers).
type pidsCgroup struct {
	dir     string // we create one child per run here
	version string // "v1" or "v2"
}

type runCgroup struct{ path string }

var cgroupSeq atomic.Int64

const cgroupPrefix = "lessonl-"

// findPidsCgroup finds our own cgroup in a pids hierarchy (v2 first, then v1)
// and checks that a child can be made, capped and joined. nil if none works.
func findPidsCgroup() *pidsCgroup {
	if runtime.GOOS != "linux" {
		return nil
	}
	for _, c := range candidateCgroups() {
		removeStaleCgroups(c.dir)
		if err := c.probe(); err == nil {
			return c
		}
	}
	return nil
}

// candidateCgroups reads /proc/self/cgroup and /proc/self/mountinfo.
func candidateCgroups() []*pidsCgroup {
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	var v1Path, v2Path string
	for _, line := range strings.Split(string(own), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2Path = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "pids" {
				v1Path = parts[2]
			}
		}
	}
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer mi.Close()
	var v1, v2 []*pidsCgroup
	sc := bufio.NewScanner(mi)
	for sc.Scan() {
		// id parent major:minor root mountpoint opts [optional...] - fstype source superopts
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		root, mnt := unescapeMount(f[3]), unescapeMount(f[4])
		switch {
		case g[0] == "cgroup2" && v2Path != "":
			if d, ok := joinCgroup(mnt, root, v2Path); ok {
				v2 = append(v2, &pidsCgroup{dir: d, version: "v2"})
			}
		case g[0] == "cgroup" && v1Path != "" && hasOpt(g[2], "pids"):
			if d, ok := joinCgroup(mnt, root, v1Path); ok {
				v1 = append(v1, &pidsCgroup{dir: d, version: "v1"})
			}
		}
	}
	return append(v2, v1...)
}

func hasOpt(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// joinCgroup maps our cgroup path to a directory under a mount of its root.
func joinCgroup(mnt, root, path string) (string, bool) {
	if root == "/" {
		return filepath.Join(mnt, path), true
	}
	if path == root || strings.HasPrefix(path, root+"/") {
		return filepath.Join(mnt, strings.TrimPrefix(path, root)), true
	}
	return "", false
}

// probe makes a child, caps it and moves a real process into it.
func (c *pidsCgroup) probe() error {
	r, err := c.newRun(8)
	if err != nil {
		return err
	}
	defer r.remove()
	out, err := osexec.Command("/bin/sh", "-c", `echo $$ > "$0" && cat /proc/self/cgroup`, r.procsFile()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("couldn't join %s: %v: %s", r.path, err, bytes.TrimSpace(out))
	}
	if !bytes.Contains(out, []byte(filepath.Base(r.path))) {
		return fmt.Errorf("joined %s but /proc/self/cgroup does not show it", r.path)
	}
	return nil
}

func (c *pidsCgroup) newRun(maxPids int) (*runCgroup, error) {
	name := fmt.Sprintf("%s%d-%d", cgroupPrefix, os.Getpid(), cgroupSeq.Add(1))
	p := filepath.Join(c.dir, name)
	if err := os.Mkdir(p, 0o755); err != nil {
		return nil, fmt.Errorf("couldn't create cgroup %s: %w", p, err)
	}
	r := &runCgroup{path: p}
	if err := os.WriteFile(filepath.Join(p, "pids.max"), []byte(strconv.Itoa(maxPids)), 0); err != nil {
		r.remove()
		return nil, fmt.Errorf("couldn't cap processes in cgroup %s (is the pids controller enabled for it?): %w", p, err)
	}
	return r, nil
}

func (r *runCgroup) procsFile() string { return filepath.Join(r.path, "cgroup.procs") }

func (r *runCgroup) pids() []int {
	if r == nil {
		return nil
	}
	b, err := os.ReadFile(r.procsFile())
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func (r *runCgroup) populated() bool { return len(r.pids()) > 0 }

// killAll SIGKILLs every member; cgroup.kill (v2, Linux 5.14+) does it
// atomically, which matters against a fork bomb racing a pid-by-pid kill.
func (r *runCgroup) killAll() {
	if r == nil {
		return
	}
	_ = os.WriteFile(filepath.Join(r.path, "cgroup.kill"), []byte("1"), 0)
	for _, pid := range r.pids() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// refusedFork reports whether pids.max refused a fork during the run.
func (r *runCgroup) refusedFork() bool {
	if r == nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join(r.path, "pids.events"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "max "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n > 0
		}
	}
	return false
}

// remove deletes the (empty) cgroup; killed members may take a moment to
// leave it.
func (r *runCgroup) remove() {
	if r == nil {
		return
	}
	var err error
	for i := 0; i < 200; i++ {
		if err = os.Remove(r.path); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		r.killAll()
		time.Sleep(10 * time.Millisecond)
	}
	// Leave it: removeStaleCgroups retries on the next start.
	_ = err
}

// removeStaleCgroups deletes run cgroups left by lessonl processes that died
// before cleaning up. Those of live processes are left alone: they may be
// between mkdir and join.
func removeStaleCgroups(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), cgroupPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
}
