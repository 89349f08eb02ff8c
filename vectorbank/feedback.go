package vectorbank

import (
	"context"
	"fmt"
	"slices"
)

// Factors the method gives a lesson per reader: 1.1 when the reader's new
// speedup beat the lesson's own, else 0.9.
const (
	factorBeaten    = 1.1
	factorNotBeaten = 0.9
)

// Feedback re-scores the lessons handed out in a round. For each lesson read
// by at least one of the readings, its factor becomes the mean over those
// readers of 1.1 (the reader's new speedup > the lesson's speedup) or 0.9,
// overwriting the old factor; Selected grows by the number of readers and
// Beaten by the number that beat it. It returns the new factor per lesson.
// Lessons removed meanwhile are skipped.
func (b *Bank) Feedback(ctx context.Context, readings []Reading) (map[string]float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if err := b.refreshLocked(); err != nil {
		return nil, err
	}
	type tally struct{ readers, beat int }
	tallies := map[string]*tally{}
	var ids []string
	for _, r := range readings {
		seen := map[string]bool{}
		for _, id := range r.Read {
			if seen[id] {
				continue // one reader counts once, even if the prompt repeated a lesson
			}
			seen[id] = true
			e, ok := b.lessons[id]
			if !ok {
				continue
			}
			t := tallies[id]
			if t == nil {
				t = &tally{}
				tallies[id] = t
				ids = append(ids, id)
			}
			t.readers++
			if r.Speedup > e.l.Speedup {
				t.beat++
			}
		}
	}
	if len(ids) == 0 {
		return map[string]float64{}, nil
	}
	slices.Sort(ids)
	out := make(map[string]float64, len(ids))
	ups := make([]update, 0, len(ids))
	for _, id := range ids {
		t := tallies[id]
		f := meanFactor(t.readers, t.beat)
		out[id] = f
		ups = append(ups, update{ID: id, Factor: f, Selected: t.readers, Beaten: t.beat})
	}
	if err := b.appendLocked(record{Op: opFeedback, Updates: ups}); err != nil {
		return nil, fmt.Errorf("couldn't record lesson feedback: %w", err)
	}
	b.maybeCompactLocked()
	return out, nil
}

// meanFactor is exact at the ends (all or none beat it), where tests and
// the threshold care about the last bit.
func meanFactor(readers, beat int) float64 {
	switch beat {
	case readers:
		return factorBeaten
	case 0:
		return factorNotBeaten
	}
	return (factorBeaten*float64(beat) + factorNotBeaten*float64(readers-beat)) / float64(readers)
}
