module example.com/vp/badheader

go 1.22

require example.com/v/badheader v1.0.0
