module example.com/vp/go125

go 1.25

ignore ./gen

ignore node_modules

require example.com/v/outer v1.0.0
