long isum(const std::vector<int>& v) {
    long s = 0
    for (int x : v) s += x;
    return s;
}
