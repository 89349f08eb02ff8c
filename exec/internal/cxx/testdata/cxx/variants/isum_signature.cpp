long long isum(const std::vector<int>& v) {
    long long s = 0;
    for (int x : v) s += x;
    return s;
}
