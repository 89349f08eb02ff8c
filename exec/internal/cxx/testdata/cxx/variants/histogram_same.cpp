int histogram(const std::map<int, int>& counts) {
    int n = 0;
    for (auto& kv : counts) n += kv.second;
    return n;
}
