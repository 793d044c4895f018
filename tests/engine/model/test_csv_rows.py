"""The assign CSV file: rows, comments, and every problem with its line."""
from engine_tools.model.csv_rows import decode, parse_rows
from tests.engine.helpers import MAC_A
from tests.engine.vm_states import messages


def test_rows_with_comments_blank_lines_and_spaces():
    rows, problems = parse_rows("# maps for rack 4\n\nVM, MAC ,Profile\n"
                                "web01, 00:1A:4A:16:01:B0 , Profile1\n  # done\n")
    assert problems == []
    assert [(r.line, r.vm, r.kind, r.key, r.profile) for r in rows] == [
        (4, "web01", "mac", MAC_A, "Profile1")]


def test_nic_column():
    rows, problems = parse_rows("vm,nic,profile\nweb01,nic2,P2\n")
    assert problems == [] and rows[0].kind == "nic" and rows[0].key == "nic2"


def test_every_row_problem_has_its_line():
    text = ("vm,mac,profile\n"
            "web01,00:11:22:33:44:55:66,P1\n"       # 2: 7 octets
            "web01,00:1a:4a:16:01:b0,bad;name\n"    # 3: profile character
            ",00:1a:4a:16:01:b0,P1\n"               # 4: no VM
            "web01,00:1a:4a:16:01:b0\n"             # 5: field count
            "web01,00:1a:4a:16:01:b1,\n"            # 6: empty profile without --merge
            "we*b,00:1a:4a:16:01:b1,P\n")           # 7: VM name with a wildcard
    rows, problems = parse_rows(text)
    assert rows == []
    lines = [line for line, _ in messages(problems)]
    assert lines == [2, 3, 4, 5, 6, 7]
    text_of = dict(messages(problems))
    assert "00:11:22:33:44:55:66" in text_of[2] and "7" in text_of[2]
    assert "bad;name" in text_of[3]
    assert "--merge" in text_of[6]


def test_empty_profile_allowed_with_merge():
    rows, problems = parse_rows("vm,mac,profile\nweb01,00:1a:4a:16:01:b1,\n", merge=True)
    assert problems == [] and rows[0].profile == ""


def test_header_problems():
    for text, expected in (("vm,profile\nweb01,P\n", "missing column mac or nic"),
                           ("vm,mac,nic,profile\n", "only one of mac and nic"),
                           ("vm,mac,profil\n", "unknown column"),
                           ("# only a comment\n", "no header")):
        rows, problems = parse_rows(text)
        assert rows == [] and expected in problems[0].message, text


def test_a_semicolon_separated_file_is_one_line_naming_the_separator():
    rows, problems = parse_rows("vm;mac;profile\nweb01;00:1a:4a:16:01:b0;P1\n")
    assert rows == [] and len(problems) == 1
    assert problems[0].line == 1 and problems[0].message == (
        "header 'vm;mac;profile': the separator is ',', not ';': write e.g. "
        "'vm,mac,profile' (save the spreadsheet as CSV with ',' as field separator)")
    _, problems = parse_rows("VM\tNIC\tProfile\n")
    assert len(problems) == 1 and "not '\\t'" in problems[0].message


def test_decode_accepts_bom_and_refuses_latin1():
    assert decode(b"\xef\xbb\xbfvm,mac,profile\n", "f.csv") == "vm,mac,profile\n"
    try:
        decode(b"vm,mac,profile\nw\xe9b,x,y\n", "f.csv")
    except Exception as e:  # noqa: BLE001
        assert "f.csv" in str(e) and "UTF-8" in str(e)
    else:
        raise AssertionError("latin-1 accepted")
