package gen

import _ "example.com/v/outer/inner"
