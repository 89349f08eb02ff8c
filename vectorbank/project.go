package vectorbank

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ProjectLessonsPath is where a repository keeps its team's lessons, in the
// export format (WriteLessons), relative to the repository's root.
const ProjectLessonsPath = ".lessonl/lessons.jsonl"

// ProjectLessonsFile is the team lessons file of the git repository holding
// path (a file or a directory): ProjectLessonsPath under the nearest
// enclosing directory that has a .git. It returns "" outside a repository.
// The file need not exist.
func ProjectLessonsFile(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return filepath.Join(d, filepath.FromSlash(ProjectLessonsPath))
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// projectSet is a project's lessons file, loaded read-only for selection:
// its lessons, embedded with the bank's embedder into their own index.
// Once built it is never changed (a changed file makes a new one), so
// Select reads it without further locking.
type projectSet struct {
	fi       os.FileInfo
	embedder string
	src      *source // nil when the file could not be used (warned once)
}

// projectSource returns the read-only lessons of the repository holding
// file, loading (or reloading, when the file changed) and embedding them.
// A file that cannot be used is skipped with a warning: selection goes on
// with the store alone.
func (b *Bank) projectSource(ctx context.Context, file string, emb Embedder) *source {
	path := ProjectLessonsFile(file)
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			b.log.Warn("couldn't read the project's lessons", "file", path, "err", err)
		}
		return nil
	}
	if own, err := os.Stat(b.path); err == nil && os.SameFile(fi, own) {
		return nil // a store kept in the repository is the store, not a team file
	}
	b.projMu.Lock()
	defer b.projMu.Unlock()
	if p := b.projects[path]; p != nil && p.embedder == emb.Name() && os.SameFile(p.fi, fi) &&
		p.fi.Size() == fi.Size() && p.fi.ModTime().Equal(fi.ModTime()) {
		return p.src
	}
	src, err := loadProject(ctx, path, emb)
	if err != nil {
		if ctx.Err() != nil {
			return nil // not the file's fault: try again next time
		}
		b.log.Warn("skipping the project's lessons: "+err.Error(), "file", path)
	}
	if b.projects == nil {
		b.projects = map[string]*projectSet{}
	}
	b.projects[path] = &projectSet{fi: fi, embedder: emb.Name(), src: src}
	return src
}

func loadProject(ctx context.Context, path string, emb Embedder) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ls, err := ReadLessons(f)
	if err != nil {
		return nil, fmt.Errorf("%w (check it with `lessonl lessons import --store $(mktemp -d) %s`)", err, path)
	}
	src := &source{lessons: map[string]*entry{}}
	texts := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.Factor == 0 {
			l.Factor = 1.0
		}
		if l.ID == "" {
			l.ID = lessonID(l)
		}
		if _, dup := src.lessons[l.ID]; dup {
			continue
		}
		e := &entry{l: l, pos: len(src.order)}
		src.lessons[l.ID] = e
		src.order = append(src.order, e)
		texts = append(texts, l.Text)
	}
	vecs, err := embedAll(ctx, emb, texts)
	if err != nil {
		return nil, fmt.Errorf("couldn't embed them with %s: %w", emb.Name(), err)
	}
	if len(vecs) > 0 {
		src.dim = len(vecs[0])
	}
	src.idx = newIndex(emb.Name(), src.dim, emb)
	for i, e := range src.order {
		if err := src.idx.add(&e.l, vecs[i]); err != nil {
			return nil, fmt.Errorf("couldn't index lesson %s: %w", e.l.ID, err)
		}
	}
	return src, nil
}

// projectLesson finds a lesson by ID in the project files loaded so far.
func (b *Bank) projectLesson(id string) (Lesson, bool) {
	b.projMu.Lock()
	defer b.projMu.Unlock()
	for _, p := range b.projects {
		if p.src == nil {
			continue
		}
		if e, ok := p.src.lessons[id]; ok {
			return cloneLesson(e.l), true
		}
	}
	return Lesson{}, false
}
