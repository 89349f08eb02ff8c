module github.com/lessonl/lessonl/suites/go

go 1.26
