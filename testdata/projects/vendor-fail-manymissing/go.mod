module example.com/vp/manymissing

go 1.22

require example.com/v/outer v1.0.0
