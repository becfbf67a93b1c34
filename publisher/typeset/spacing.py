def to_html(text, *, cjk_latin_space="quarter"): raise NotImplementedError
