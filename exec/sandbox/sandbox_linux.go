package sandbox

import "syscall"

// sysProcAttr puts the run in its own process group (so one kill reaches all
// of it) and kills it if lessonl dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
