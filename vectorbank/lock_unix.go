//go:build unix

package vectorbank

import (
	"fmt"
	"os"
	"syscall"
)

// flock takes the store's exclusive lock; writers from every process hold it
// while they append or rewrite the log, so records never interleave.
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("couldn't lock %s: %w", f.Name(), err)
		}
		return nil
	}
}

func funlock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
