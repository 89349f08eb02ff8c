long prefix_total(const std::vector<int>& v) {
    long t = 0, s = 0;
    for (std::size_t i = 0; i < v.size(); i++) {
        s += v[i];
        t += s;
    }
    return t;
}
