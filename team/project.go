package team

import (
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// ProjectOf names the project a file belongs to, for lesson provenance and
// the "project" scope: the Go module path when a go.mod encloses the file,
// else the enclosing git repository's root, else the file's directory.
func ProjectOf(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	dir := filepath.Dir(abs)
	for d := dir; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if p := modfile.ModulePath(data); p != "" {
				return p
			}
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
