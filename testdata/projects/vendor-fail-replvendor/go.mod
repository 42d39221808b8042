module example.com/vp/replvendor

go 1.22

require example.com/v/local v0.0.0

replace example.com/v/local => ./vendor/local
