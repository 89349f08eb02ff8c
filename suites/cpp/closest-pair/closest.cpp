#include <cstddef>
#include <cstdint>
#include <vector>

// closestPair returns the smallest squared distance between two of the
// points (xs[i], ys[i]), for i below the shorter length, or -1 when there
// are fewer than two points.
std::int64_t closestPair(const std::vector<std::int16_t>& xs, const std::vector<std::int16_t>& ys) {
    std::size_t n = xs.size() < ys.size() ? xs.size() : ys.size();
    if (n < 2) return -1;
    std::int64_t best = -1;
    for (std::size_t i = 0; i < n; i++) {
        for (std::size_t j = i + 1; j < n; j++) {
            std::int64_t dx = (std::int64_t)xs[i] - xs[j];
            std::int64_t dy = (std::int64_t)ys[i] - ys[j];
            std::int64_t d = dx * dx + dy * dy;
            if (best < 0 || d < best) best = d;
        }
    }
    return best;
}
