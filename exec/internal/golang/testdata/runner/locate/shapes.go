// Package locate exercises finding functions and what they refer to.
package locate

import (
	"math"
	"strings"
)

// Shape is anything with an area.
type Shape interface{ Area() float64 }

// Rect is a rectangle.
type Rect struct {
	Min, Max Point
	Kind     Kind
}

// Kind of shape.
type Kind int

const (
	KindRect Kind = iota
	KindCircle
)

// Area of r.
func (r Rect) Area() float64 { return r.Width() * r.Height() }

func (r Rect) Width() float64  { return r.Max.X - r.Min.X }
func (r Rect) Height() float64 { return r.Max.Y - r.Min.Y }

// Scale grows r by f around its center.
func (r *Rect) Scale(f float64) {
	c := center(*r)
	r.Min = Point{c.X + (r.Min.X-c.X)*f, c.Y + (r.Min.Y-c.Y)*f}
	r.Max = Point{c.X + (r.Max.X-c.X)*f, c.Y + (r.Max.Y-c.Y)*f}
}

// Total adds up the areas, rounded; the names are joined for a log line.
func Total(shapes []Shape, names []string) (float64, string) {
	t := 0.0
	for _, s := range shapes {
		t += s.Area()
	}
	return math.Round(t*precision) / precision, strings.Join(names, ",")
}

// Lookup reads the table.
func Lookup(i int) int { return table[i%len(table)] }
