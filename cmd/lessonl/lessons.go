package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamahost"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/vectorbank"
)

func init() {
	register(&command{
		name:    "lessons",
		summary: "list, search, share and tidy the lesson bank",
		run:     runLessons,
	})
}

// A lessonsSub is one `lessonl lessons` subcommand.
type lessonsSub struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var lessonsSubs []lessonsSub

func init() {
	lessonsSubs = []lessonsSub{
		{"list", "[--lang L] [--outcome O] [--project P] [--json]", "list lessons, oldest first", lessonsList},
		{"show", "[--json] ID", "show one lesson in full (a unique ID prefix is enough)", lessonsShow},
		{"search", "[--k N] [--lang L] [--problem KEY] [--project P] [--scope S] [--strategy S] [--json] FILE:FUNC|FILE|TEXT",
			"what selection would hand out for this code, with scores", lessonsSearch},
		{"stats", "[--json]", "counts by outcome, model and language; mean factor; lessons that helped most", lessonsStats},
		{"export", "[--with-vectors] FILE | --project", "write the lessons as sorted JSON Lines to review and share (- for stdout; --project: the repository's team file)", lessonsExport},
		{"import", "FILE", "add the lessons of an export (all or nothing; - for stdin)", lessonsImport},
		{"rm", "ID...", "remove lessons", lessonsRemove},
		{"prune", "[--older-than D] [--factor-below F] [--dry-run]", "remove old or ineffective lessons", lessonsPrune},
		{"reindex", "--embedder NAME", "re-embed every lesson with another embedder", lessonsReindex},
	}
}

func runLessons(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: lessonl lessons SUBCOMMAND [flags] [args]")
		fmt.Fprintln(stderr, "\nsubcommands:")
		for _, s := range lessonsSubs {
			fmt.Fprintf(stderr, "  %-8s %s\n", s.name, s.summary)
		}
		fmt.Fprintln(stderr, "\nEvery subcommand takes --store DIR (default "+storeDefaultText+").")
		if len(args) == 0 {
			return usagef("name a subcommand")
		}
		return flag.ErrHelp
	}
	for _, s := range lessonsSubs {
		if s.name == args[0] {
			return s.run(ctx, args[1:], stdout, stderr)
		}
	}
	return usagef("unknown subcommand %q; run 'lessonl lessons help' for the list", args[0])
}

const storeDefaultText = "$LESSONL_HOME, else $XDG_DATA_HOME/lessonl, else ~/.local/share/lessonl"

// storeFlags are the flags every subcommand shares.
type storeFlags struct {
	fs         *flag.FlagSet
	store      *string
	embedder   *string
	ollamaHost *string
	stderr     io.Writer
}

func newLessonsFlags(sub string, stderr io.Writer) *storeFlags {
	var usage string
	for _, s := range lessonsSubs {
		if s.name == sub {
			usage = s.usage
		}
	}
	fs := newFlags("lessons "+sub, usage, stderr)
	f := &storeFlags{
		fs:         fs,
		store:      fs.String("store", "", "lesson store `DIR` (default "+storeDefaultText+")"),
		embedder:   fs.String("embedder", "", "`NAME`: hash (built in) or ollama:MODEL; default: the store's own, else hash"),
		ollamaHost: fs.String("host", "", "Ollama `HOST` for ollama:MODEL embedders (default $OLLAMA_HOST, else "+ollamahost.Default+"); a bare host gets port 11434"),
		stderr:     stderr,
	}
	fs.StringVar(f.ollamaHost, "ollama-host", "", "the old name of --host (`HOST`)")
	return f
}

// embedderByName makes the named embedder on the host in effect, read by
// the one host rule (as chat and doctor read it).
func (f *storeFlags) embedderByName(name string) (vectorbank.Embedder, error) {
	host := ""
	if strings.HasPrefix(name, "ollama:") {
		h, err := ollamahost.Resolve(*f.ollamaHost, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("--host: %w", err)
		}
		host = h
	}
	return vectorbank.EmbedderByName(name, host)
}

func (f *storeFlags) dir() string {
	if *f.store != "" {
		return *f.store
	}
	return vectorbank.DefaultDir()
}

// logger writes the store's warnings (damaged records skipped...) to stderr,
// without the timestamps a terminal does not need.
func (f *storeFlags) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.stderr, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// open opens the store without an embedder: enough to list, show, count,
// export, remove and reindex, whatever embedder built the store.
func (f *storeFlags) open() (*vectorbank.Bank, error) {
	return vectorbank.OpenWith(f.dir(), nil, vectorbank.Options{Logger: f.logger()})
}

// openRead opens the store for a read-only command (list, show, stats,
// search), which never creates it: a store that does not exist yet is read
// as an empty one made aside and removed by close. emb may be nil.
func (f *storeFlags) openRead(emb vectorbank.Embedder) (b *vectorbank.Bank, closeFn func(), err error) {
	dir := f.dir()
	if _, err := os.Stat(dir); err != nil && errors.Is(err, os.ErrNotExist) {
		tmp, err := os.MkdirTemp("", "lessonl-empty-store-")
		if err != nil {
			return nil, nil, err
		}
		b, err := vectorbank.OpenWith(tmp, emb, vectorbank.Options{Logger: f.logger()})
		if err != nil {
			os.RemoveAll(tmp)
			return nil, nil, err
		}
		return b, func() { b.Close(); os.RemoveAll(tmp) }, nil
	}
	b, err = vectorbank.OpenWith(dir, emb, vectorbank.Options{Logger: f.logger()})
	if err != nil {
		return nil, nil, err
	}
	return b, func() { b.Close() }, nil
}

// openEmbedding opens the store with an embedder: the one named by
// --embedder, else the one the store was built with, else the default.
func (f *storeFlags) openEmbedding() (*vectorbank.Bank, error) {
	emb, err := f.storeEmbedder()
	if err != nil {
		return nil, err
	}
	return vectorbank.OpenWith(f.dir(), emb, vectorbank.Options{Logger: f.logger()})
}

// storeEmbedder is the embedder --embedder names, else the store's own,
// else the default.
func (f *storeFlags) storeEmbedder() (vectorbank.Embedder, error) {
	name := *f.embedder
	if name == "" {
		name, _ = vectorbank.StoreEmbedder(f.dir())
	}
	emb, err := f.embedderByName(name)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return emb, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// oneLine shortens a lesson's text to one line of at most n characters,
// without control characters (see printable).
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(strings.Map(dropControl, s)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// parseOutcome reads --outcome. The user's word for a correct variant
// within the noise is "same", as the runner's verdict says; the bank stores
// it as "marginal" (its JSON keeps that), and both are accepted.
func parseOutcome(s string) (vectorbank.Outcome, error) {
	o, ok := optimize.ParseOutcome(s)
	if s != "" && !ok {
		var names []string
		for _, v := range vectorbank.Outcomes {
			names = append(names, outcomeText(v))
		}
		return "", usagef("unknown outcome %q; use one of %s", s, strings.Join(names, ", "))
	}
	return o, nil
}

func outcomeText(o vectorbank.Outcome) string { return optimize.OutcomeWord(o) }

// lessonSpeedup is "1.84x", or "-" for a variant with no speedup (it did
// not build, was wrong, timed out or crashed), as optimize prints it.
func lessonSpeedup(l vectorbank.Lesson) string {
	if l.Speedup <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", l.Speedup)
}

func lessonsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("list", stderr)
	lang := f.fs.String("lang", "", "only lessons of this language (go, c, cpp)")
	outcome := f.fs.String("outcome", "", "only lessons with this outcome (faster, same, slower, incorrect, build_failed, timeout, crashed; marginal is same)")
	project := f.fs.String("project", "", "only lessons of this project (module path or repository root)")
	asJSON := f.fs.Bool("json", false, "print a JSON array of lessons")
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("list takes no arguments (filter with --lang, --outcome, --project)")
	}
	o, err := parseOutcome(*outcome)
	if err != nil {
		return err
	}
	b, closeStore, err := f.openRead(nil)
	if err != nil {
		return err
	}
	defer closeStore()
	ls := b.List(vectorbank.Filter{Lang: *lang, Outcome: o, Project: *project})
	if *asJSON {
		if ls == nil {
			ls = []vectorbank.Lesson{}
		}
		return writeJSON(stdout, ls)
	}
	if len(ls) == 0 {
		if *lang != "" || o != "" || *project != "" {
			fmt.Fprintln(stdout, "no lessons match")
		} else {
			fmt.Fprintf(stdout, "no lessons in %s yet: `lessonl optimize` and the editor add them\n", f.dir())
		}
		return nil
	}
	tw := tabwriter.NewWriter(&printable{w: stdout}, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tOUTCOME\tSPEEDUP\tFACTOR\tLANG\tMODEL\tLESSON")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n", l.ID, outcomeText(l.Outcome), lessonSpeedup(l), l.Factor, l.Lang, l.Model, oneLine(l.Text, 72))
	}
	return tw.Flush()
}

// resolveID finds the lesson with this ID or unique ID prefix.
func resolveID(b *vectorbank.Bank, prefix string) (vectorbank.Lesson, error) {
	if l, ok := b.Get(prefix); ok {
		return l, nil
	}
	var found []vectorbank.Lesson
	for _, l := range b.List(vectorbank.Filter{}) {
		if strings.HasPrefix(l.ID, prefix) {
			found = append(found, l)
		}
	}
	switch {
	case prefix == "" || len(found) == 0:
		return vectorbank.Lesson{}, fmt.Errorf("no lesson with ID %q in %s; see `lessonl lessons list`", prefix, b.Dir())
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, l := range found {
			ids[i] = l.ID
		}
		slices.Sort(ids)
		return vectorbank.Lesson{}, fmt.Errorf("ID prefix %q is ambiguous (%s); give more of the ID", prefix, strings.Join(ids, ", "))
	}
	return found[0], nil
}

func lessonsShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("show", stderr)
	asJSON := f.fs.Bool("json", false, "print the lesson as JSON")
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("show takes one lesson ID (or a unique prefix), got %d arguments", len(pos))
	}
	b, closeStore, err := f.openRead(nil)
	if err != nil {
		return err
	}
	defer closeStore()
	l, err := resolveID(b, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, l)
	}
	w := &errWriter{w: &printable{w: stdout}}
	w.printf("lesson    %s\n", l.ID)
	w.printf("outcome   %s", outcomeText(l.Outcome))
	if l.Speedup > 0 {
		w.printf(", %.2fx", l.Speedup)
		if l.SpeedupLow > 0 || l.SpeedupHigh > 0 {
			w.printf(" (95%% interval %.2fx to %.2fx)", l.SpeedupLow, l.SpeedupHigh)
		}
	}
	w.printf("\nfactor    %.2f (read %d times, beaten %d)\n", l.Factor, l.Selected, l.Beaten)
	w.printf("language  %s\n", l.Lang)
	if l.Func != "" || l.Signature != "" {
		w.printf("function  %s\n", cmp.Or(l.Signature, l.Func))
	}
	if l.ProblemKey != "" {
		w.printf("problem   %s\n", l.ProblemKey)
	}
	if l.Project != "" {
		w.printf("project   %s\n", l.Project)
	}
	w.printf("model     %s", l.Model)
	if l.Agent != "" {
		w.printf(" (%s, round %d)", l.Agent, l.Round+1) // 1-based, as optimize prints rounds
	}
	w.printf("\ncreated   %s\n", l.Created.Format(time.RFC3339))
	if len(l.Read) > 0 {
		w.printf("had read  %s\n", strings.Join(l.Read, ", "))
	}
	w.printf("\n%s\n", strings.TrimSpace(l.Text))
	if l.Original != "" {
		w.printf("\n--- original\n%s\n", strings.TrimRight(l.Original, "\n"))
	}
	if l.Variant != "" {
		w.printf("\n--- variant\n%s\n", strings.TrimRight(l.Variant, "\n"))
	}
	return w.err
}

// errWriter keeps the first write error so that printing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// langOfPath guesses the language of a source file from its extension.
func langOfPath(p string) string {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".go":
		return "go"
	case ".c", ".h":
		return "c"
	case ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx":
		return "cpp"
	}
	return ""
}

func lessonsSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("search", stderr)
	k := f.fs.Int("k", vectorbank.DefaultK, "how many lessons to hand out")
	lang := f.fs.String("lang", "", "language of the code (default: from the file's extension; none: every language)")
	problem := f.fs.String("problem", "", "problem key, to put that problem's lessons first")
	project := f.fs.String("project", "", "project, for --scope project")
	scope := f.fs.String("scope", "all", "problem, project or all")
	strategy := f.fs.String("strategy", "lessonl", "lessonl (the method), or the ablations speedup, relevance, random")
	asJSON := f.fs.Bool("json", false, "print the selection as JSON")
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("search takes the code: a file name or the text itself (quote it), got %d arguments", len(pos))
	}
	if *k <= 0 {
		return usagef("--k %d: ask for at least one lesson", *k)
	}
	code, codeLang, file, err := searchCode(pos[0])
	if err != nil {
		return err
	}
	if *lang == "" {
		*lang = codeLang
	}
	emb, err := f.storeEmbedder()
	if err != nil {
		return err
	}
	b, closeStore, err := f.openRead(emb)
	if err != nil {
		return err
	}
	defer closeStore()
	sel, err := b.Select(ctx, vectorbank.Query{Code: code, Lang: *lang, ProblemKey: *problem, Project: *project,
		Scope: vectorbank.Scope(*scope), Strategy: vectorbank.Strategy(*strategy), K: *k, File: file})
	if err != nil {
		if strings.Contains(err.Error(), "unknown scope") || strings.Contains(err.Error(), "unknown strategy") || strings.Contains(err.Error(), "problem key") {
			return usagef("%v", err)
		}
		return err
	}
	if *asJSON {
		if sel == nil {
			sel = []vectorbank.Selected{}
		}
		return writeJSON(stdout, sel)
	}
	if len(sel) == 0 {
		fmt.Fprintln(stdout, "no lessons to hand out: the bank has none in this scope and language")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tREASON\tSCORE\tRELEVANCE\tID\tOUTCOME\tSPEEDUP×FACTOR\tLESSON")
	for i, s := range sel {
		l := s.Lesson
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%.3f\t%s\t%s\t%s×%.2f\t%s\n", i+1, s.Reason, s.Score, s.Relevance, l.ID, outcomeText(l.Outcome),
			strings.TrimSuffix(lessonSpeedup(l), "x"), l.Factor, oneLine(l.Text, 60))
	}
	return tw.Flush()
}

// searchCode reads search's argument: FILE:FUNC (that function's code),
// a file (its text), or the code itself. A FILE:FUNC or a path that does
// not exist is an error, not text to search with (which would also drop
// the file's language).
func searchCode(arg string) (code, lang, file string, err error) {
	if path, fn, ok := splitTarget(arg); ok && !strings.ContainsAny(path, " \t\n") {
		if _, known := exec.LangOf(path); known {
			f, err := exec.Locate(exec.Target{File: path, Func: fn})
			if err != nil {
				return "", "", "", fmt.Errorf("couldn't search with %s: %w", arg, err)
			}
			return f.Source, f.Lang, path, nil
		}
	}
	data, err := os.ReadFile(arg)
	switch {
	case err == nil:
		return string(data), langOfPath(arg), arg, nil
	case looksLikePath(arg):
		return "", "", "", fmt.Errorf("couldn't search with %s: %w; give an existing file, FILE:FUNC, or the code itself in quotes", arg, err)
	}
	return arg, "", "", nil
}

// looksLikePath tells a file name from code: one word with a slash or a
// source file's extension.
func looksLikePath(s string) bool {
	if strings.ContainsAny(s, " \t\n(){};=") {
		return false
	}
	return strings.Contains(s, "/") || langOfPath(s) != ""
}

func lessonsStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("stats", stderr)
	asJSON := f.fs.Bool("json", false, "print the statistics as JSON")
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("stats takes no arguments")
	}
	b, closeStore, err := f.openRead(nil)
	if err != nil {
		return err
	}
	defer closeStore()
	s := b.Stats()
	if abs, err := filepath.Abs(f.dir()); err == nil {
		s.Dir = abs // the store's, also when it does not exist yet
	}
	if *asJSON {
		if s.Helped == nil {
			s.Helped = []vectorbank.Lesson{}
		}
		if s.Copies == nil {
			s.Copies = []vectorbank.Copies{}
		}
		return writeJSON(stdout, s)
	}
	w := &errWriter{w: stdout}
	emb := "no embedder yet"
	if s.Embedder != "" {
		emb = fmt.Sprintf("%s, %d dims", s.Embedder, s.Dim)
	}
	w.printf("store        %s (%s, %s)\n", s.Dir, emb, sizeText(s.LogBytes))
	w.printf("lessons      %d\n", s.Lessons)
	if s.Lessons == 0 {
		return w.err
	}
	byOutcome := map[string]int{}
	for o, n := range s.ByOutcome {
		byOutcome[outcomeText(vectorbank.Outcome(o))] += n
	}
	w.printf("outcomes     %s\n", countsText(byOutcome))
	w.printf("models       %s\n", countsText(s.ByModel))
	w.printf("languages    %s\n", countsText(s.ByLang))
	w.printf("mean factor  %.3f\n", s.MeanFactor)
	if len(s.Helped) > 0 {
		w.printf("helped most (their readers beat them):\n")
		for _, l := range s.Helped {
			w.printf("  %s  beaten %d of %d  factor %.2f  %s\n", l.ID, l.Beaten, l.Selected, l.Factor, oneLine(l.Text, 60))
		}
	}
	statsCopies(w, s.Copies)
	return w.err
}

// countsText lists counts, largest first (ties by name): "go 12, cpp 3".
func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", cmp.Or(k, "(none)"), m[k])
	}
	return strings.Join(parts, ", ")
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// lineCounter counts the lines written through it.
type lineCounter struct {
	w     io.Writer
	lines int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.lines += strings.Count(string(p[:n]), "\n")
	return n, err
}

func lessonsExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("export", stderr)
	withVectors := f.fs.Bool("with-vectors", false, "also write each lesson's vector and embedder (not reviewable; an import into a store of the same embedder keeps them)")
	project := f.fs.Bool("project", false, "write this project's lessons, merged with those already there, into the repository's "+vectorbank.ProjectLessonsPath)
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if *project {
		if len(pos) > 0 || *withVectors {
			return usagef("export --project takes no FILE and no --with-vectors: it writes %s at the repository's root", vectorbank.ProjectLessonsPath)
		}
		return exportProject(f, stdout)
	}
	if len(pos) != 1 {
		return usagef("export takes one FILE (- for stdout), got %d arguments", len(pos))
	}
	b, err := f.open()
	if err != nil {
		return err
	}
	defer b.Close()
	export := func(w io.Writer) error { return b.ExportWith(w, vectorbank.ExportOptions{WithVectors: *withVectors}) }
	if pos[0] == "-" {
		return export(stdout)
	}
	n, err := writeFileAtomic(pos[0], export)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %s to %s\n", lessonsN(n), pos[0])
	return nil
}

func lessonsImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("import", stderr)
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("import takes one FILE (- for stdin), got %d arguments", len(pos))
	}
	var r io.Reader = os.Stdin
	if pos[0] != "-" {
		file, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("couldn't import: %w", err)
		}
		defer file.Close()
		r = file
	}
	b, err := f.openEmbedding()
	if err != nil {
		return err
	}
	defer b.Close()
	n, err := b.ImportContext(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d new %s into %s (%d in all)\n", n, plural(n, "lesson"), b.Dir(), b.Len())
	return nil
}

func lessonsRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("rm", stderr)
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("rm takes the IDs (or unique prefixes) of the lessons to remove")
	}
	b, err := f.open()
	if err != nil {
		return err
	}
	defer b.Close()
	var ids []string
	for _, p := range pos {
		l, err := resolveID(b, p)
		if err != nil {
			return fmt.Errorf("%w; nothing was removed", err)
		}
		if !slices.Contains(ids, l.ID) {
			ids = append(ids, l.ID)
		}
	}
	if err := b.Remove(ids...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %s\n", lessonsN(len(ids)))
	return nil
}

// parseAge reads a duration in Go syntax (36h, 90m) or in days (30d).
func parseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err == nil && n > 0 {
			return time.Duration(n * 24 * float64(time.Hour)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--older-than %q is not a positive duration; write e.g. 30d, 36h or 90m", s)
	}
	return d, nil
}

func lessonsPrune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("prune", stderr)
	older := f.fs.String("older-than", "", "remove lessons created longer ago than this (30d, 36h)")
	below := f.fs.Float64("factor-below", 0, "remove lessons whose effectiveness factor is below this (e.g. 0.95)")
	dry := f.fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("prune takes no arguments")
	}
	var filter vectorbank.Filter
	if *older != "" {
		d, err := parseAge(*older)
		if err != nil {
			return err
		}
		filter.CreatedBefore = time.Now().Add(-d)
	}
	if *below < 0 {
		return usagef("--factor-below %v: factors are positive (they start at 1.0)", *below)
	}
	filter.FactorBelow = *below
	if filter.CreatedBefore.IsZero() && filter.FactorBelow == 0 {
		return usagef("say which lessons go: --older-than D, --factor-below F, or both (both must hold)")
	}
	b, err := f.open()
	if err != nil {
		return err
	}
	defer b.Close()
	var gone []vectorbank.Lesson
	if *dry {
		gone = b.List(filter)
	} else if gone, err = b.Prune(filter); err != nil {
		return err
	}
	for _, l := range gone {
		fmt.Fprintf(stdout, "%s  %s  %s  factor %.2f  %s\n", l.ID, l.Created.Format("2006-01-02"), lessonSpeedup(l), l.Factor, oneLine(l.Text, 56))
	}
	verb := "removed"
	if *dry {
		verb = "would remove"
	}
	fmt.Fprintf(stdout, "%s %s\n", verb, lessonsN(len(gone)))
	return nil
}

func lessonsReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLessonsFlags("reindex", stderr)
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("reindex takes no arguments")
	}
	if *f.embedder == "" {
		return usagef("name the new embedder: --embedder hash or --embedder ollama:MODEL")
	}
	emb, err := f.embedderByName(*f.embedder)
	if err != nil {
		return usagef("%v", err)
	}
	b, err := f.open()
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Reindex(ctx, emb); err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("reindex interrupted; the store is unchanged: %w", err)
		}
		return err
	}
	name, dim := b.Embedder()
	fmt.Fprintf(stdout, "re-embedded %s with %s (%d dims)\n", lessonsN(b.Len()), name, dim)
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func lessonsN(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "lesson")) }
