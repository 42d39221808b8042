module example.com/v/local/nested
