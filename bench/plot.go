package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// Colours of the plot's bars, by outcome.
const (
	colour2x     = "#1b7837" // correct, >= 2x
	colourFaster = "#7fbf7b" // correct, faster but < 2x
	colourSlower = "#d6604d" // the re-measured final answer was slower
	colourNone   = "#999999" // no answer: nothing correct, or nothing faster
)

// PlotSpeedups draws speedups.svg: one bar per problem from 1× to its final
// answer's speedup on a log scale, problems without an answer as a grey
// mark at 1×, with lines at 1× and 2×. Hand-written SVG: no dependency.
func PlotSpeedups(r *Results) string {
	const (
		left, right, top, bottom = 64.0, 24.0, 48.0, 150.0
		plotH                    = 300.0
		barW                     = 22.0
		gap                      = 10.0
	)
	n := len(r.Problems)
	plotW := math.Max(float64(n)*(barW+gap)+gap, 640) // room for the title and the legend
	width, height := left+plotW+right, top+plotH+bottom

	lo, hi := 1.0, TwoX
	for _, p := range r.Problems {
		if p.Speedup > 0 {
			lo, hi = math.Min(lo, p.Speedup), math.Max(hi, p.Speedup)
		}
	}
	// Whole decades (1, 2, 5 steps) around the data.
	lo = math.Pow(10, math.Floor(math.Log10(lo)+1e-9))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)-1e-9))
	if hi <= lo {
		hi = lo * 10
	}
	y := func(v float64) float64 {
		return top + plotH*(1-(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo)))
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	title := fmt.Sprintf("%s · %s · geomean %.2f× · %s correct · %s at ≥ 2×", r.Suite, r.Config.Strategy,
		r.Summary.Overall.Geomean, percent(r.Summary.Overall.CorrectRate), percent(r.Summary.Overall.Share2x))
	fmt.Fprintf(&b, `<text x="%.0f" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", left, esc(title))

	// Grid at 1, 2, 5 × 10^k; over more than two decades only the powers
	// of ten are labelled, so labels never crowd.
	decades := math.Round(math.Log10(hi / lo))
	for dec := lo; dec < hi*1.0001; dec *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := dec * m
			if v > hi*1.0001 {
				break
			}
			yy := y(v)
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e5e5e5"/>`+"\n", left, left+plotW, yy, yy)
			if m == 1 || decades <= 2 || v == TwoX {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", left-6, yy, esc(axisLabel(v)))
			}
		}
	}
	fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">speedup (log scale)</text>`+"\n", top+plotH/2)

	base := y(1)
	for i, p := range r.Problems {
		x := left + gap + float64(i)*(barW+gap)
		cx := x + barW/2
		label := fmt.Sprintf("%s (%s): ", p.Name, p.Category)
		switch {
		case p.Speedup > 0:
			barTop, h := y(p.Speedup), base-y(p.Speedup)
			colour := colourFaster
			switch {
			case p.Speedup >= TwoX:
				colour = colour2x
			case p.Speedup < 1:
				colour = colourSlower
				barTop, h = base, y(p.Speedup)-base
			}
			label += fmt.Sprintf("%.2f× [%.2f, %.2f]", p.Speedup, p.Interval[0], p.Interval[1])
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n", x, barTop, barW, math.Max(h, 1), colour, esc(label))
			ty := barTop - 4 // above a bar that rises, below one that falls
			if p.Speedup < 1 {
				ty = barTop + h + 12
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%.1f</text>`+"\n", cx, ty, p.Speedup)
		default:
			why := "nothing faster"
			switch {
			case p.Status == StatusError:
				why = "error"
			case !p.Correct:
				why = "nothing correct"
			}
			label += "1× (" + why + ")"
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="4" fill="%s"><title>%s</title></rect>`+"\n", x, base-2, barW, colourNone, esc(label))
			mark := "–"
			if !p.Correct {
				mark = "✗"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s">%s</text>`+"\n", cx, base-6, colourNone, mark)
		}
		ly := top + plotH + 10
		fmt.Fprintf(&b, `<text transform="translate(%.1f %.1f) rotate(-50)" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", cx, ly, esc(clipLabel(p.Name, 28)))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, left+plotW, base, base)
	y2 := y(TwoX)
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4"/>`+"\n", left, left+plotW, y2, y2, colour2x)
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, left, top, top+plotH)

	// Legend.
	lx, ly := left, height-16
	for _, e := range []struct{ colour, text string }{
		{colour2x, "≥ 2×"}, {colourFaster, "faster, < 2×"}, {colourSlower, "slower on re-measure"}, {colourNone, "no answer (counted 1×)"},
	} {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", lx, ly-6, e.colour, lx+16, ly, esc(e.text))
		lx += 40 + 7*float64(len([]rune(e.text)))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func axisLabel(v float64) string {
	if v >= 1 {
		return fmt.Sprintf("%g×", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".") + "×"
}

func clipLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
