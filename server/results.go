package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/lessonl/lessonl/handlers"
)

// resultStore keeps the last result per function, per store directory, in
// memory and on disk (one JSON file per source file under
// <store>/results/), so hovers and lenses survive a restart.
type resultStore struct {
	mu   sync.Mutex
	dirs map[string]*results
	gen  atomic.Int64 // bumped by every put: lenses computed before are stale
}

func (rs *resultStore) at(storeDir string) *results {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.dirs == nil {
		rs.dirs = map[string]*results{}
	}
	r, ok := rs.dirs[storeDir]
	if !ok {
		r = &results{dir: filepath.Join(storeDir, "results"), files: map[string]map[string]*handlers.Result{}, gen: &rs.gen}
		rs.dirs[storeDir] = r
	}
	return r
}

// results are those of one store directory.
type results struct {
	dir   string
	gen   *atomic.Int64
	mu    sync.Mutex
	files map[string]map[string]*handlers.Result // file -> func -> result; loaded lazily
}

// resultsFile is the on-disk form of one source file's results.
type resultsFile struct {
	File    string                      `json:"file"`
	Results map[string]*handlers.Result `json:"results"`
}

func (r *results) path(file string) string {
	h := sha256.Sum256([]byte(file))
	return filepath.Join(r.dir, hex.EncodeToString(h[:12])+".json")
}

// loadLocked returns file's results, reading them from disk the first time.
// A damaged file is set aside, not fatal: results are a cache of runs.
func (r *results) loadLocked(file string) map[string]*handlers.Result {
	if m, ok := r.files[file]; ok {
		return m
	}
	m := map[string]*handlers.Result{}
	r.files[file] = m
	data, err := os.ReadFile(r.path(file))
	if errors.Is(err, fs.ErrNotExist) {
		return m
	}
	var rf resultsFile
	if err == nil {
		err = json.Unmarshal(data, &rf)
	}
	if err != nil || rf.File != file {
		slog.Warn("couldn't read stored results; starting afresh for this file", "file", file, "path", r.path(file), "err", err)
		return m
	}
	for fn, res := range rf.Results {
		if res != nil {
			m[fn] = res
		}
	}
	return m
}

func (r *results) get(file, fn string) *handlers.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loadLocked(file)[fn]
}

func (r *results) all(file string) []*handlers.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.loadLocked(file)
	out := make([]*handlers.Result, 0, len(m))
	for _, res := range m {
		out = append(out, res)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Func < out[j].Func })
	return out
}

// put stores a result and writes the file's results atomically, so a
// crash leaves the old or the new file, never half of one.
func (r *results) put(res *handlers.Result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.loadLocked(res.File)
	m[res.Func] = res
	if r.gen != nil {
		r.gen.Add(1)
	}
	data, err := json.MarshalIndent(resultsFile{File: res.File, Results: m}, "", "  ")
	if err != nil {
		return fmt.Errorf("couldn't encode the results of %s: %w", res.File, err)
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return fmt.Errorf("couldn't create %s for results (is the store writable? set \"store\" or LESSONL_HOME): %w", r.dir, err)
	}
	return writeFileAtomic(r.path(res.File), data)
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("couldn't write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("couldn't write %s: %w", path, err)
	}
	return nil
}

// writeReport writes <store>/reports/<name>.md; handlers choose safe names,
// and a name is never a path.
func writeReport(storeDir, name, md string) (string, error) {
	dir := filepath.Join(storeDir, "reports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("couldn't create %s for reports (is the store writable? set \"store\" or LESSONL_HOME): %w", dir, err)
	}
	path := filepath.Join(dir, filepath.Base(name)+".md")
	if err := writeFileAtomic(path, []byte(md)); err != nil {
		return "", err
	}
	return path, nil
}
