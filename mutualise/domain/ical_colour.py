"""The COLOR property of RFC 7986 takes a CSS3 colour *name*; resources store #rrggbb. This maps a hex
colour to the nearest CSS3 name (the extended colour keywords of CSS Color Module Level 3)."""

from __future__ import annotations

import re
from functools import lru_cache

_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")

# CSS Color Module Level 3, section 4.3 (extended colour keywords); the "grey" spellings map to the same
# values as "gray" and are left out so that the nearest name is always the common spelling.
_CSS3 = """
aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff beige f5f5dc
bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff blueviolet 8a2be2 brown a52a2a
burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50 cornflowerblue 6495ed
cornsilk fff8dc crimson dc143c cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b
darkgray a9a9a9 darkgreen 006400 darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f
darkorange ff8c00 darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f
darkslateblue 483d8b darkslategray 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493
deepskyblue 00bfff dimgray 696969 dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0
forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 goldenrod daa520
gray 808080 green 008000 greenyellow adff2f honeydew f0fff0 hotpink ff69b4 indianred cd5c5c
indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5 lawngreen 7cfc00
lemonchiffon fffacd lightblue add8e6 lightcoral f08080 lightcyan e0ffff lightgoldenrodyellow fafad2
lightgray d3d3d3 lightgreen 90ee90 lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa
lightskyblue 87cefa lightslategray 778899 lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00
limegreen 32cd32 linen faf0e6 magenta ff00ff maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd
mediumorchid ba55d3 mediumpurple 9370db mediumseagreen 3cb371 mediumslateblue 7b68ee
mediumspringgreen 00fa9a mediumturquoise 48d1cc mediumvioletred c71585 midnightblue 191970
mintcream f5fffa mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead navy 000080 oldlace fdf5e6
olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6 palegoldenrod eee8aa
palegreen 98fb98 paleturquoise afeeee palevioletred db7093 papayawhip ffefd5 peachpuff ffdab9
peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 purple 800080 red ff0000 rosybrown bc8f8f
royalblue 4169e1 saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee
sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 snow fffafa
springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 thistle d8bfd8 tomato ff6347
turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff whitesmoke f5f5f5 yellow ffff00
yellowgreen 9acd32
"""


def _table() -> dict[str, tuple[int, int, int]]:
    words = _CSS3.split()
    return {name: _rgb(code) for name, code in zip(words[::2], words[1::2], strict=True)}


def _rgb(code: str) -> tuple[int, int, int]:
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


CSS3_COLOURS = _table()
_GREY_SPELLINGS = {name.replace("gray", "grey"): name for name in CSS3_COLOURS if "gray" in name}


@lru_cache(maxsize=256)
def css3_name(colour: str | None) -> str | None:
    """The CSS3 colour name for `colour` (a CSS3 name, `#rrggbb` or `#rgb`): a name is kept (lower-cased),
    a hex colour becomes the nearest name; None or anything else gives None (no COLOR is written)."""
    if not colour:
        return None
    text = colour.strip().lower()
    if text in CSS3_COLOURS:
        return text
    if text in _GREY_SPELLINGS:
        return _GREY_SPELLINGS[text]
    match = _HEX.fullmatch(text)
    if match is None:
        return None
    code = match.group(1)
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    r, g, b = _rgb(code)

    def distance(item: tuple[str, tuple[int, int, int]]) -> tuple[float, str]:
        _, (r2, g2, b2) = item
        # "redmean" weighting: closer to perceived difference than plain RGB distance, still cheap
        mean = (r + r2) / 2
        d = (2 + mean / 256) * (r - r2) ** 2 + 4 * (g - g2) ** 2 + (2 + (255 - mean) / 256) * (b - b2) ** 2
        return d, item[0]

    return min(CSS3_COLOURS.items(), key=distance)[0]
