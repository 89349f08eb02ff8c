//go:build !linux

package exec

import "syscall"

// sysProcAttr puts the run in its own process group so one kill reaches all
// of it. (Pdeathsig exists only on Linux.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
