module example.com/vp/badembed

go 1.22

require example.com/v/badembed v1.0.0
