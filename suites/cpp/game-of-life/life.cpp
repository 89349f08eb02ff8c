#include <cstddef>
#include <cstdint>
#include <vector>

// aliveAt reports whether cell (i, j) of the n x n torus g is alive (odd).
static bool aliveAt(const std::vector<std::uint8_t>& g, long n, long i, long j) {
    long r = ((i % n) + n) % n;
    long c = ((j % n) + n) % n;
    return (g[r * n + c] & 1) != 0;
}

// lifeStep returns the next generation of Conway's Game of Life on the
// n x n torus stored row by row in grid, where n is the largest whole
// number with n * n <= grid.size(); a cell is alive when its value is odd,
// and the result holds 1 for alive and 0 for dead.
std::vector<std::uint8_t> lifeStep(const std::vector<std::uint8_t>& grid) {
    long n = 0;
    while ((n + 1) * (n + 1) <= (long)grid.size()) n++;
    std::vector<std::uint8_t> next(n * n, 0);
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < n; j++) {
            int neighbours = 0;
            for (long di = -1; di <= 1; di++) {
                for (long dj = -1; dj <= 1; dj++) {
                    if ((di != 0 || dj != 0) && aliveAt(grid, n, i + di, j + dj)) neighbours++;
                }
            }
            bool alive = aliveAt(grid, n, i, j);
            next[i * n + j] = (neighbours == 3 || (alive && neighbours == 2)) ? 1 : 0;
        }
    }
    return next;
}
