std::string upper(const std::string& s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') c -= 32;
    }
    return out;
}
