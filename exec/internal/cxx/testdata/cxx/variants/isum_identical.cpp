// isum adds the elements of v.
long isum(const std::vector<int>& v) {
    long s = 0;
    for (std::size_t i = 0; i < v.size(); i++) {
        s += v[i];
    }
    return s;
}
