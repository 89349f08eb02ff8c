#pragma once
#include <string>

// Widget only parses as C++: the .h file is read with the C++ grammar.
class Widget {
public:
    std::string name() const { return "w" + std::to_string(id_); }
    int id() const;

private:
    int id_ = 0;
};

inline int Widget::id() const { return id_; }
