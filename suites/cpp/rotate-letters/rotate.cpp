#include <string>

// rotateLetters returns s with every ASCII letter moved shift places along
// the alphabet (wrapping around, keeping its case); other bytes are kept.
std::string rotateLetters(const std::string& s, int shift) {
    int k = ((shift % 26) + 26) % 26;
    std::string out;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') {
            out = out + (char)('a' + (c - 'a' + k) % 26);
        } else if (c >= 'A' && c <= 'Z') {
            out = out + (char)('A' + (c - 'A' + k) % 26);
        } else {
            out = out + c;
        }
    }
    return out;
}
