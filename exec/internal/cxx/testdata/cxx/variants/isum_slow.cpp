#include <algorithm>
// Sorts a copy first: n log n instead of n.
long isum(const std::vector<int>& v) {
    std::vector<int> c(v);
    std::sort(c.begin(), c.end());
    long s = 0;
    for (int x : c) s += x;
    return s;
}
