#include <cstddef>
#include <vector>

// countIn returns how many values of needles occur somewhere in haystack
// (a needle that occurs twice in needles counts twice).
std::size_t countIn(const std::vector<int>& haystack, const std::vector<int>& needles) {
    std::size_t n = 0;
    for (int x : needles) {
        for (int y : haystack) {
            if (x == y) {
                n++;
                break;
            }
        }
    }
    return n;
}
