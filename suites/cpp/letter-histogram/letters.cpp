#include <cctype>
#include <cstddef>
#include <string>
#include <vector>

// letterCounts returns how often each of the letters a..z occurs in s,
// upper and lower case together; other bytes are not counted.
std::vector<std::size_t> letterCounts(const std::string& s) {
    std::vector<std::size_t> counts(26, 0);
    for (int letter = 0; letter < 26; letter++) {
        for (std::size_t i = 0; i < s.size(); i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 128 && std::tolower(c) == 'a' + letter) counts[letter]++;
        }
    }
    return counts;
}
