package server

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"

	"github.com/lessonl/lessonl/exec"
)

// preRunCheck refuses, before any model is called, a file whose variants the
// runner could not build: a Go file outside a module, a missing compiler. The
// error is the reason and the fix, whole: editors show it as it is.
func preRunCheck(file, lang string, opts exec.Options) error {
	switch lang {
	case "go":
		if _, err := osexec.LookPath("go"); err != nil {
			return fmt.Errorf("can't optimize %s: the go command is not on the PATH the editor started lessonl with; install Go or add its bin directory to that PATH, then restart the server", file)
		}
		if os.Getenv("GO111MODULE") == "off" {
			return nil
		}
		for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
		return fmt.Errorf("can't optimize %s: it is not in a Go module (no go.mod in its directory or above), so no variant could be built; run `go mod init example.com/%s` in %s, then optimize again",
			file, filepath.Base(filepath.Dir(file)), filepath.Dir(file))
	case "c", "cpp":
		compiler, err := exec.CompilerFor(file, opts)
		if err != nil {
			return fmt.Errorf("can't optimize %s: %w", file, err)
		}
		if _, err := osexec.LookPath(compiler); err != nil {
			return fmt.Errorf("can't optimize %s: the compiler %s is not on the PATH the editor started lessonl with; install it (e.g. sudo apt-get install %s) or name another in lessonl.toml", file, compiler, compiler)
		}
	}
	return nil
}
