#include <cstddef>
#include <utility>
#include <vector>

// sortedCopy returns the values of xs in ascending order.
std::vector<int> sortedCopy(const std::vector<int>& xs) {
    std::vector<int> out(xs);
    for (std::size_t i = 0; i < out.size(); i++) {
        std::size_t smallest = i;
        for (std::size_t j = i + 1; j < out.size(); j++) {
            if (out[j] < out[smallest]) smallest = j;
        }
        std::swap(out[i], out[smallest]);
    }
    return out;
}
