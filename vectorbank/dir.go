package vectorbank

import (
	"os"
	"path/filepath"
)

// DefaultDir is the one store shared by all of a user's projects:
// $LESSONL_HOME, else $XDG_DATA_HOME/lessonl, else ~/.local/share/lessonl.
// With no home directory at all it falls back to ./.lessonl, so a bare CI
// container still gets a usable (if local) store.
func DefaultDir() string {
	if d := os.Getenv("LESSONL_HOME"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "lessonl")
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".local", "share", "lessonl")
	}
	return ".lessonl"
}
