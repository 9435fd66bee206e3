"""Brazilian phones, CPF and CNPJ: every spelling a customer record or a Telegram contact may hold.

A catalogue phone is read leniently as Brazilian; a shared contact always carries its country code, so only +55 can
match (SPEC.md "Linking")."""
from __future__ import annotations

import pytest

from domain.brazil import (
    clean_document,
    format_document,
    format_phone,
    is_valid_cnpj,
    is_valid_cpf,
    mask_phone,
    normalise_contact_phone,
    normalise_document,
    normalise_phone,
)

# Every DDD (area code) in use in Brazil: libphonenumber must know each of them.
DDDS_IN_USE = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47,
     48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87,
     88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99}
)

ANA_MOBILE = "+5511999990001"


@pytest.mark.parametrize(
    "spelling",
    [
        "+55 11 99999-0001",
        "+55 (11) 99999-0001",
        "+5511999990001",
        "5511999990001",  # how Telegram shares a contact
        "(11) 99999-0001",
        "11 99999 0001",
        "11.99999.0001",
        "11999990001",
        "011 99999-0001",  # trunk prefix
        "0 15 11 99999-0001",  # trunk prefix and carrier code (Telefônica)
        "0 21 11 99999-0001",  # … (Embratel)
        "+55 (011) 99999-0001",  # the trunk prefix kept after the country code
        "  +55 11 99999-0001  ",
    ],
)
def test_every_spelling_of_a_mobile_number_is_the_same_number(spelling):
    assert normalise_phone(spelling) == ANA_MOBILE


@pytest.mark.parametrize(
    "spelling",
    [
        "(11) 9999-0001",
        "+55 11 9999-0001",
        "551199990001",
        "011 9999-0001",
        "0 15 11 9999-0001",
    ],
)
def test_a_mobile_number_without_its_ninth_digit_matches_the_nine_digit_form(spelling):
    assert normalise_phone(spelling) == ANA_MOBILE


@pytest.mark.parametrize("first", "6789")
def test_every_old_eight_digit_mobile_gains_the_ninth_digit(first):
    assert normalise_phone(f"(21) {first}888-7777") == f"+55219{first}8887777"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("(11) 3222-1234", "+551132221234"),
        ("+55 51 2101-0000", "+555121010000"),
        ("(61) 4004-0001", "+556140040001"),
        ("(85) 5555-0101", "+558555550101"),
    ],
)
def test_a_landline_keeps_its_eight_digits(spelling, expected):
    assert normalise_phone(spelling) == expected


def test_the_area_code_55_is_not_mistaken_for_the_country_code():
    # Santa Maria (RS) has DDD 55: with and without +55 it is the same number.
    assert normalise_phone("(55) 99999-0001") == "+5555999990001"
    assert normalise_phone("+55 55 99999-0001") == "+5555999990001"
    assert normalise_phone("55 9999-0001") == "+5555999990001"
    assert normalise_phone("(55) 3222-1234") == "+555532221234"


@pytest.mark.parametrize("ddd", [10, 20, 23, 25, 26, 29, 30, 36, 39, 40, 50, 52, 56, 57, 58, 59, 60, 70, 72,
                                 76, 78, 80, 90])
def test_an_area_code_not_in_use_is_refused(ddd):
    assert ddd not in DDDS_IN_USE
    assert normalise_phone(f"({ddd}) 99999-0001") is None
    assert normalise_phone(f"+55 {ddd} 3222-1234") is None


def test_every_area_code_in_use_is_accepted():
    assert len(DDDS_IN_USE) == 67
    for ddd in DDDS_IN_USE:
        assert normalise_phone(f"({ddd}) 99999-0001") == f"+55{ddd}999990001"


@pytest.mark.parametrize(
    "foreign",
    [
        "+1 212 555 0100",
        "+351 912 345 678",
        "+54 9 11 1234-5678",
        "+44 7911 123456",
        "001 212 555 0100",
        "0034 912 345 678",  # a Spanish landline that looks like DDD 34 + a mobile once the prefix is gone
        "0033 9 12 34 56 78",
        "00351 912 345 678",
        "0061 4 1234 5678",
        "0055 11 99999-0001",  # from Brazil, 00 + carrier 55 + country 1: not a Brazilian number
    ],
)
def test_foreign_numbers_are_refused(foreign):
    assert normalise_phone(foreign) is None


# --- shared contacts ----------------------------------------------------------------------------------------------
# Each foreign number, as Telegram shares it (digits only), has the digits of a plausible Brazilian DDD + number.
FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN = [
    ("51987654321", "(51) 98765-4321"),  # Peru mobile / Porto Alegre
    ("84912345678", "(84) 91234-5678"),  # Vietnam mobile / Natal
    ("66912345678", "(66) 91234-5678"),  # Thailand mobile / Rondonópolis
    ("79991234567", "(79) 99123-4567"),  # Russia mobile / Aracaju
    ("6591234567", "(65) 9123-4567"),  # Singapore mobile / Cuiabá, without the ninth digit
    ("4791234567", "(47) 9123-4567"),  # Norway mobile / Joinville, without the ninth digit
    ("4531234567", "(45) 3123-4567"),  # Denmark / a Cascavel landline
]


@pytest.mark.parametrize(("contact", "catalogue"), FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN)
def test_a_foreign_contact_never_reads_as_the_brazilian_number_with_its_digits(contact, catalogue):
    brazilian = normalise_phone(catalogue)
    assert brazilian is not None  # the catalogue's lenient reading: a real Brazilian number…
    assert normalise_phone(contact) == brazilian  # … which the same digits spell when no country code is assumed
    assert normalise_contact_phone(contact) is None  # but a contact carries its country code: not 55
    assert normalise_contact_phone("+" + contact) is None


@pytest.mark.parametrize(
    ("contact", "catalogue"),
    [
        ("5511999990001", "(11) 99999-0001"),  # mobile
        ("+5511999990001", "(11) 99999-0001"),
        ("551199990001", "(11) 99999-0001"),  # the contact without the ninth digit…
        ("+551199990001", "(11) 99999-0001"),
        ("5511999990001", "(11) 9999-0001"),  # … or the catalogue without it
        ("+5521988880002", "21 8888-0002"),
        ("552188880002", "+55 21 8888-0002"),
        ("5555999990001", "(55) 99999-0001"),  # DDD 55 (Santa Maria) after the country code 55
        ("555599990001", "55 9999-0001"),
        ("551132221234", "(11) 3222-1234"),  # landline
        ("+551132221234", "011 3222-1234"),
        ("+55 51 2101-0000", "(51) 2101-0000"),
        (" 555121010000 ", "(51) 2101-0000"),
    ],
)
def test_a_brazilian_contact_matches_its_catalogue_phone(contact, catalogue):
    assert normalise_contact_phone(contact) == normalise_phone(catalogue) is not None


@pytest.mark.parametrize(
    "contact",
    ["11999990001", "1199990001", "(11) 99999-0001", "011 99999-0001", "0055 11 99999-0001", "+55 0800 123 4567",
     "+14155550100", "+351912345678", "+55", "", None, 5511999990001, "tel:+5511999990001", "+55 11 89999-0001"],
)
def test_a_contact_without_a_brazilian_country_code_or_line_is_refused(contact):
    assert normalise_contact_phone(contact) is None


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "   ",
        "+55",
        "190",  # emergency
        "0800 123 4567",  # toll-free, not a person's line
        "(11) 89999-0001",  # nine digits must start with 9
        "(11) 1222-1234",  # landlines start with 2–5
        "(11) 99999-00011",
        "(11) 999-0001",
        "11 9999a0001",
        "tel:+5511999990001",
        "+55 11 99999-0001 ramal 2",
        "9" * 41,
        12345678901,
    ],
)
def test_what_is_not_a_brazilian_phone_is_refused(bad):
    assert normalise_phone(bad) is None


def test_phones_are_shown_formatted_and_masked():
    assert format_phone("+5511999990001") == "(11) 99999-0001"
    assert format_phone("+551132221234") == "(11) 3222-1234"
    assert mask_phone("+5511999990001") == "(••) •••••-0001"


# --- CPF ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cpf", ["123.456.789-09", "12345678909", " 123 456 789 09 ", "529.982.247-25", "000.000.001-91"])
def test_a_cpf_with_right_check_digits_is_valid(cpf):
    assert is_valid_cpf(cpf)


@pytest.mark.parametrize(
    "cpf",
    ["123.456.789-00", "123.456.789-19", "111.111.111-11", "000.000.000-00", "1234567890", "123456789099",
     "123.456.789-0X", "", "abc.def.ghi-jk"],
)
def test_a_cpf_with_wrong_check_digits_or_shape_is_invalid(cpf):
    assert not is_valid_cpf(cpf)


@pytest.mark.parametrize("n", range(10))
def test_a_cpf_of_one_repeated_digit_is_invalid_although_its_digits_check(n):
    assert not is_valid_cpf(str(n) * 11)


# --- CNPJ ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cnpj", ["11.222.333/0001-81", "11222333000181", "00.000.000/0001-91"])
def test_a_numeric_cnpj_with_right_check_digits_is_valid(cnpj):
    assert is_valid_cnpj(cnpj)


@pytest.mark.parametrize("cnpj", ["12.ABC.345/01DE-35", "12ABC34501DE35", "12.abc.345/01de-35"])
def test_the_receita_example_of_an_alphanumeric_cnpj_is_valid(cnpj):
    assert is_valid_cnpj(cnpj)


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-80",
        "12.ABC.345/01DE-36",
        "12.ABD.345/01DE-35",
        "12.ABC.345/01DE-3A",  # check digits are always numeric
        "00.000.000/0000-00",
        "AA.AAA.AAA/AAAA-AA",
        "12.AB!.345/01DE-35",
        "1122233300018",
        "112223330001811",
        "",
    ],
)
def test_a_cnpj_with_wrong_check_digits_or_shape_is_invalid(cnpj):
    assert not is_valid_cnpj(cnpj)


def test_documents_are_normalised_to_their_characters():
    assert clean_document(" 12.abc.345/01de-35 ") == "12ABC34501DE35"
    assert normalise_document("123.456.789-09") == "12345678909"
    assert normalise_document("11.222.333/0001-81") == "11222333000181"
    assert normalise_document("12.abc.345/01de-35") == "12ABC34501DE35"
    assert normalise_document("123.456.789-00") is None
    assert normalise_document("11.222.333/0001-80") is None
    assert normalise_document("12345678909000") is None  # a CPF padded to CNPJ length
    assert normalise_document("") is None


def test_documents_are_shown_with_their_punctuation():
    assert format_document("12345678909") == "123.456.789-09"
    assert format_document("11222333000181") == "11.222.333/0001-81"
    assert format_document("12ABC34501DE35") == "12.ABC.345/01DE-35"
