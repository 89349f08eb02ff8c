module example.com/maxof

go 1.22
