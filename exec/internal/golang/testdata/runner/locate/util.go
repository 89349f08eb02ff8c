package locate

// Point is a point.
type Point struct{ X, Y float64 }

const precision = 1e6

var table = []int{
	1, 2, 3, 4,
	5, 6, 7, 8,
	9, 10, 11, 12,
	13, 14, 15, 16,
	17, 18, 19, 20,
	21, 22, 23, 24,
	25, 26, 27, 28,
	29, 30, 31, 32,
	33, 34, 35, 36,
	37, 38, 39, 40,
	41, 42, 43, 44,
	45, 46, 47, 48,
}

func center(r Rect) Point { return Point{(r.Min.X + r.Max.X) / 2, (r.Min.Y + r.Max.Y) / 2} }
