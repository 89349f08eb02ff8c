package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/lessonl/lessonl/exec/sandbox"
)

// Defaults of Options.
const (
	DefaultFloor   = 0.05
	DefaultTimeout = 2 * time.Minute
	DefaultSize    = 1000
	DefaultRunTime = 25 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if !(o.Floor > 0) {
		o.Floor = DefaultFloor
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	if o.RunTime <= 0 {
		o.RunTime = DefaultRunTime
	}
	o.Rounds = o.Rounds.withDefaults()
	return o
}

// Measurement is one Measure call in flight.
type Measurement struct {
	Ctx     context.Context // ends at the caller's cancel or at Options.Timeout
	Target  Target
	Variant string
	Opts    Options
	Sandbox *sandbox.Sandbox
	Work    string // private temporary directory, removed at the end
	Log     *slog.Logger
}

// errDeadline marks a measurement stopped by Options.Timeout: the verdict is
// then timeout, not an error.
var errDeadline = errors.New("measurement timed out")

// Check returns errDeadline or the caller's cancellation once m's context is
// done, so every step can stop early.
func (m *Measurement) Check() error {
	if err := m.Ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errDeadline
		}
		return err
	}
	return nil
}

// Remaining is the time left before Options.Timeout.
func (m *Measurement) Remaining() time.Duration {
	if d, ok := m.Ctx.Deadline(); ok {
		return time.Until(d)
	}
	return m.Opts.Timeout
}

// timingTurn serialises timing runs process-wide, so concurrent measurements
// do not time each other's load.
var timingTurn = make(chan struct{}, 1)

// TimeRound runs one A/B timing round and returns the original's and the
// variant's time per call in ns.
type TimeRound func(round int) (orig, variant float64, err error)

// timeRounds runs rounds until the policy is satisfied or the time left runs
// out, holding the process-wide timing turn, and returns the per-round times.
func (m *Measurement) timeRounds(run TimeRound) (orig, vari []float64, err error) {
	select {
	case timingTurn <- struct{}{}:
	case <-m.Ctx.Done():
		return nil, nil, m.Check()
	}
	defer func() { <-timingTurn }()
	policy := m.Opts.Rounds
	// Leave room for the report: the policy may not spend the last seconds.
	if left := m.Remaining() - 2*time.Second; left < policy.MaxTime {
		policy.MaxTime = max(left, time.Millisecond)
	}
	start := time.Now()
	for round := 0; ; round++ {
		if err := m.Check(); err != nil {
			return orig, vari, err
		}
		o, v, err := run(round)
		if err != nil {
			return orig, vari, err
		}
		orig, vari = append(orig, o), append(vari, v)
		if policy.Done(SpeedupRatio(orig, vari), time.Since(start)) {
			return orig, vari, nil
		}
	}
}

// fillTiming puts the timing samples into the report and decides the
// verdict when the variant was shown correct.
func (m *Measurement) fillTiming(rep *Report, orig, vari []float64, verified bool) {
	r := SpeedupRatio(orig, vari)
	b := r.Bounded()
	rep.Speedup, rep.SpeedupLow, rep.SpeedupHigh = b.Median, b.Low, b.High
	rep.OriginalNs, rep.VariantNs = median(orig), median(vari)
	rep.Checks.Rounds, rep.Checks.Spread = r.N, r.Spread
	if verified {
		rep.Verdict = Classify(r, m.Opts.Floor)
	}
}

func median(xs []float64) float64 {
	var v []float64
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) && !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// abChunks is how many A B pairs of chunks one in-process timing run makes
// at most: fine interleaving averages out what else the machine does.
const ABChunks = 64

// measureIn is Measure of a file in language l: the pipeline every language
// shares around its own steps (l.measure): options, sandbox, work
// directory, deadline, and the timeout verdict.
func Measure(ctx context.Context, l Language, t Target, variant string, opts Options) (*Report, error) {
	if opts.RTol < 0 || opts.RTol >= 1 || math.IsNaN(opts.RTol) {
		return nil, fmt.Errorf("float tolerance %g is out of range: give a small relative tolerance such as 1e-6, or 0 for the default", opts.RTol)
	}
	opts = opts.withDefaults()
	sb := SandboxFor(sandbox.Options{Disabled: opts.NoSandbox, CacheDir: opts.CacheDir})
	mctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	work, err := os.MkdirTemp("", WorkPrefix())
	if err != nil {
		return nil, fmt.Errorf("couldn't make a work directory: %w; check that %s is writable", err, os.TempDir())
	}
	if os.Getenv("LESSONL_KEEP_WORK") != "" {
		// A debugging aid: keep the generated files and binaries.
		slog.Info("keeping the measurement's work directory", "dir", work)
	} else {
		defer os.RemoveAll(work)
	}
	m := &Measurement{
		Ctx: mctx, Target: t, Variant: variant, Opts: opts, Sandbox: sb, Work: work,
		Log: slog.With("file", t.File, "func", t.Func),
	}
	start := time.Now()
	steps, rep, err := l.Start(m)
	if err == nil && steps != nil {
		rep, err = runSteps(steps, rep)
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, fmt.Errorf("measuring %s stopped: %w", t.Func, ctx.Err())
	case errors.Is(err, errDeadline) || mctx.Err() != nil && rep == nil:
		rep = &Report{Verdict: Timeout, Func: t.Func, Sandboxed: sb.Enabled(),
			Detail: fmt.Sprintf("the measurement did not finish within %v (the --timeout option)", opts.Timeout), Lang: l.Name()}
	default:
		return nil, err
	}
	m.Log.Debug("measured", "verdict", rep.Verdict, "speedup", rep.Speedup, "took", time.Since(start))
	return rep, nil
}

// WorkPrefix names this process's work directories, so what it leaves
// behind (nothing, normally) can be told from other processes'.
func WorkPrefix() string { return fmt.Sprintf("lessonl-measure-%d-", os.Getpid()) }

var (
	sandboxMu sync.Mutex
	sandboxes = map[sandbox.Options]*sandbox.Sandbox{}
)

// SandboxFor returns one Sandbox per option set: NewSandbox probes bwrap by
// running it, which is worth doing once per process.
func SandboxFor(o sandbox.Options) *sandbox.Sandbox {
	sandboxMu.Lock()
	defer sandboxMu.Unlock()
	s, ok := sandboxes[o]
	if !ok {
		s = sandbox.New(o)
		sandboxes[o] = s
	}
	return s
}
