package locate

// Not built on this system: its declarations stay out of the context.
func center2(r Rect) Point { return Point{} }
