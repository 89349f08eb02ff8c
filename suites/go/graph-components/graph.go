// Package graph holds a connected-components count written the slow way.
package graph

// Components returns the number of connected components of the undirected
// graph whose edges are from[k]–to[k], for k below the shorter length,
// counting only the nodes that occur in some edge.
func Components(from, to []uint8) int {
	var adj [256][256]bool
	var present [256]bool
	m := min(len(from), len(to))
	for k := 0; k < m; k++ {
		a, b := from[k], to[k]
		adj[a][b], adj[b][a] = true, true
		present[a], present[b] = true, true
	}
	var seen [256]bool
	count := 0
	for s := 0; s < 256; s++ {
		if !present[s] || seen[s] {
			continue
		}
		count++
		seen[s] = true
		stack := []int{s}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for w := 0; w < 256; w++ {
				if adj[v][w] && !seen[w] {
					seen[w] = true
					stack = append(stack, w)
				}
			}
		}
	}
	return count
}
