package vectorbank

import (
	"io"
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

// StoreEmbedder reads the embedder identity a store records, without loading
// it: the CLI uses it to embed queries with the store's own embedder when the
// user names none. It returns "" for a store that does not exist yet or whose
// header is unreadable (Open then decides).
func StoreEmbedder(dir string) (name string, dim int) {
	f, err := os.Open(filepath.Join(dir, logName))
	if err != nil {
		return "", 0
	}
	defer f.Close()
	var rec record
	scanRecords(io.LimitReader(f, 1<<16), 0, func(_ int64, line []byte) {
		if rec.Op == "" {
			rec, _ = parseRecord(line, nil, func(n int) []float32 { return make([]float32, n) })
		}
	})
	if rec.Op == opHeader {
		return rec.Embedder, rec.Dim
	}
	return "", 0
}
