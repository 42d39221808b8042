module example.com/vp/missing

go 1.22

require example.com/v/outer v1.0.0
