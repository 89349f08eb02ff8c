// Starts from 0 instead of the first element: wrong when all are positive.
std::pair<int, int> minmax(const std::vector<int>& v) {
    int lo = 0, hi = 0;
    for (int x : v) {
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    return {lo, hi};
}
