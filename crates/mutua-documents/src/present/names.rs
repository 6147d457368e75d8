//! How documents name a party in French: its legal person (« Commune de Lille », never the mairie, a building),
//! its usage name (« Ville de Lille »), and the party in running text with its article, elided and contracted
//! with the preposition before it (« émis par la Métropole Européenne de Lille », « verse ce montant à la
//! commune de Lille », « du Syndicat… », « de l'Établissement… », « d'Hem » or « de Hem » as the commune writes
//! it). The facts — the names, the article, whether the name elides — are the dataset's
//! ([`mutua_core::PartyNaming`], `parties.csv`); the grammar is here.

use mutua_core::{Article, Party, PartyKind, may_elide};

/// What precedes a party's name in running text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preposition {
    /// Nothing: « la commune de Lille », « l'Établissement… ».
    None,
    /// « de »: « de la commune de Lille », « du Syndicat… », « des Régies… », « d'Orange ».
    De,
    /// « à »: « à la commune de Lille », « au Syndicat… », « aux Régies… ».
    A,
    /// « par »: « par la commune de Lille » (never contracted).
    Par,
}

/// A commune's name after « de », with the article of its own name contracted and the preposition elided where
/// the name says so: « de Lille », « du Maisnil », « des Rues-des-Vignes », « de La Bassée », « de L'Isle-Adam »,
/// « d'Annœullin », « d'Halluin » (`elides`) or « de Hem » (not).
#[must_use]
pub fn de_name(name: &str, elides: bool) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    // « La » and « L' » do not contract: « de La Bassée », « de L'Isle-Adam ».
    if name.starts_with("La ") || name.starts_with("L'") || name.starts_with("L\u{2019}") {
        return format!("de {name}");
    }
    if elides { format!("d'{name}") } else { format!("de {name}") }
}

/// The legal person's name, as it heads the party's block on a document and names it in the e-invoice (BT-27,
/// BT-44): the `legal_name` given, or « Commune de » and a commune's name (« Commune de Lille », « Commune du
/// Maisnil », « Commune d'Annœullin »), or a body's `name` (« Métropole Européenne de Lille »).
#[must_use]
pub fn legal_name(party: &Party) -> String {
    match (&party.naming.legal_name, party.kind) {
        (Some(legal), _) => legal.clone(),
        (None, PartyKind::Commune) => format!("Commune {}", de_name(&party.name, party.elides())),
        (None, _) => party.name.clone(),
    }
}

/// The name the party uses for itself (« Ville de Lille »), when it has one other than its legal name.
#[must_use]
pub fn usage_name(party: &Party) -> Option<&str> {
    party.naming.usage_name.as_deref().filter(|usage| *usage != legal_name(party))
}

/// The party's article, the words it governs, and whether it elides before them.
fn running(party: &Party) -> (Article, String, bool) {
    match (&party.naming.legal_name, party.kind) {
        // The generic noun of the default legal name is written in lower case in running text.
        (None, PartyKind::Commune) => {
            (party.article(), format!("commune {}", de_name(&party.name, party.elides())), false)
        }
        (Some(legal), PartyKind::Commune) => (party.article(), legal.clone(), may_elide(legal)),
        _ => (party.article(), legal_name(party), party.elides()),
    }
}

/// The party named in running text, after `preposition`: « la Métropole Européenne de Lille », « de la commune
/// de Lille », « à la commune du Maisnil », « au Syndicat… », « de l'Établissement… », « aux Régies… », « par la
/// Fédération… ». Capitalise it at the start of a sentence ([`super::capitalise`]).
#[must_use]
pub fn party_fr(party: &Party, preposition: Preposition) -> String {
    let (article, words, elides) = running(party);
    let elided = elides && matches!(article, Article::Le | Article::La);
    let bare = match article {
        _ if elided => format!("l'{words}"),
        Article::Le => format!("le {words}"),
        Article::La => format!("la {words}"),
        Article::Les => format!("les {words}"),
        Article::None => words.clone(),
    };
    match preposition {
        Preposition::None => bare,
        Preposition::Par => format!("par {bare}"),
        Preposition::De => match article {
            _ if elided => format!("de {bare}"),
            Article::Le => format!("du {words}"),
            Article::Les => format!("des {words}"),
            Article::La => format!("de {bare}"),
            Article::None if elides => format!("d'{words}"),
            Article::None => format!("de {words}"),
        },
        Preposition::A => match article {
            _ if elided => format!("à {bare}"),
            Article::Le => format!("au {words}"),
            Article::Les => format!("aux {words}"),
            Article::La | Article::None => format!("à {bare}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mutua_core::{PartyId, PartyNaming};

    fn party(kind: PartyKind, name: &str, naming: PartyNaming) -> Party {
        Party {
            id: PartyId::parse("P1").unwrap(),
            kind,
            name: name.to_owned(),
            siren: mutua_core::Siren::parse("215900051").unwrap(),
            siret: mutua_core::Siret::parse("21590005100016").unwrap(),
            insee: None,
            territoire: None,
            address: mutua_core::Address::default(),
            invoicing: mutua_core::InvoicingRequirements::default(),
            naming,
            payment: mutua_core::PaymentDetails::default(),
            source: mutua_core::Source::code(),
        }
    }

    fn elision(elides: bool) -> PartyNaming {
        PartyNaming { elision: Some(elides), ..PartyNaming::default() }
    }

    /// One row per case: the party, then its legal name, and its name bare, after « de », after « à », after
    /// « par ».
    #[test]
    fn names_take_their_article_elided_and_contracted() {
        let metropole = PartyKind::Metropole;
        let commune = PartyKind::Commune;
        let lille = PartyNaming { usage_name: Some("Ville de Lille".into()), ..PartyNaming::default() };
        let feal = PartyNaming { article: Some(Article::La), ..PartyNaming::default() };
        let cases: Vec<(Party, [&str; 5])> = vec![
            (
                party(metropole, "Métropole Européenne de Lille", PartyNaming::default()),
                [
                    "Métropole Européenne de Lille",
                    "la Métropole Européenne de Lille",
                    "de la Métropole Européenne de Lille",
                    "à la Métropole Européenne de Lille",
                    "par la Métropole Européenne de Lille",
                ],
            ),
            (
                party(commune, "Lille", lille),
                [
                    "Commune de Lille",
                    "la commune de Lille",
                    "de la commune de Lille",
                    "à la commune de Lille",
                    "par la commune de Lille",
                ],
            ),
            (
                party(commune, "Le Maisnil", PartyNaming::default()),
                [
                    "Commune du Maisnil",
                    "la commune du Maisnil",
                    "de la commune du Maisnil",
                    "à la commune du Maisnil",
                    "par la commune du Maisnil",
                ],
            ),
            (
                party(commune, "Les Rues-des-Vignes", PartyNaming::default()),
                [
                    "Commune des Rues-des-Vignes",
                    "la commune des Rues-des-Vignes",
                    "de la commune des Rues-des-Vignes",
                    "à la commune des Rues-des-Vignes",
                    "par la commune des Rues-des-Vignes",
                ],
            ),
            (
                party(commune, "La Bassée", PartyNaming::default()),
                [
                    "Commune de La Bassée",
                    "la commune de La Bassée",
                    "de la commune de La Bassée",
                    "à la commune de La Bassée",
                    "par la commune de La Bassée",
                ],
            ),
            (
                party(commune, "Annœullin", PartyNaming::default()),
                [
                    "Commune d'Annœullin",
                    "la commune d'Annœullin",
                    "de la commune d'Annœullin",
                    "à la commune d'Annœullin",
                    "par la commune d'Annœullin",
                ],
            ),
            // An h elides by default (h muet); the fixture sets each MEL commune in H as its own usage writes it.
            (
                party(commune, "Haubourdin", PartyNaming::default()),
                [
                    "Commune d'Haubourdin",
                    "la commune d'Haubourdin",
                    "de la commune d'Haubourdin",
                    "à la commune d'Haubourdin",
                    "par la commune d'Haubourdin",
                ],
            ),
            (
                party(commune, "Hem", elision(false)),
                [
                    "Commune de Hem",
                    "la commune de Hem",
                    "de la commune de Hem",
                    "à la commune de Hem",
                    "par la commune de Hem",
                ],
            ),
            (
                party(commune, "Hem", elision(true)),
                [
                    "Commune d'Hem",
                    "la commune d'Hem",
                    "de la commune d'Hem",
                    "à la commune d'Hem",
                    "par la commune d'Hem",
                ],
            ),
            (
                party(commune, "Halluin", elision(false)),
                [
                    "Commune de Halluin",
                    "la commune de Halluin",
                    "de la commune de Halluin",
                    "à la commune de Halluin",
                    "par la commune de Halluin",
                ],
            ),
            (
                party(commune, "Halluin", elision(true)),
                [
                    "Commune d'Halluin",
                    "la commune d'Halluin",
                    "de la commune d'Halluin",
                    "à la commune d'Halluin",
                    "par la commune d'Halluin",
                ],
            ),
            (
                party(PartyKind::Syndicate, "Fédération d'électricité de l'arrondissement de Lille", feal),
                [
                    "Fédération d'électricité de l'arrondissement de Lille",
                    "la Fédération d'électricité de l'arrondissement de Lille",
                    "de la Fédération d'électricité de l'arrondissement de Lille",
                    "à la Fédération d'électricité de l'arrondissement de Lille",
                    "par la Fédération d'électricité de l'arrondissement de Lille",
                ],
            ),
            (
                party(
                    PartyKind::Syndicate,
                    "Syndicat intercommunal d'assainissement",
                    PartyNaming::default(),
                ),
                [
                    "Syndicat intercommunal d'assainissement",
                    "le Syndicat intercommunal d'assainissement",
                    "du Syndicat intercommunal d'assainissement",
                    "au Syndicat intercommunal d'assainissement",
                    "par le Syndicat intercommunal d'assainissement",
                ],
            ),
            (
                party(
                    PartyKind::Other,
                    "Établissement public foncier",
                    PartyNaming { article: Some(Article::Le), ..PartyNaming::default() },
                ),
                [
                    "Établissement public foncier",
                    "l'Établissement public foncier",
                    "de l'Établissement public foncier",
                    "à l'Établissement public foncier",
                    "par l'Établissement public foncier",
                ],
            ),
            (
                party(
                    PartyKind::Other,
                    "Régies de quartier",
                    PartyNaming { article: Some(Article::Les), ..PartyNaming::default() },
                ),
                [
                    "Régies de quartier",
                    "les Régies de quartier",
                    "des Régies de quartier",
                    "aux Régies de quartier",
                    "par les Régies de quartier",
                ],
            ),
            (
                party(PartyKind::Other, "Orange", PartyNaming::default()),
                ["Orange", "Orange", "d'Orange", "à Orange", "par Orange"],
            ),
            (
                party(PartyKind::Other, "Lille Métropole Habitat", PartyNaming::default()),
                [
                    "Lille Métropole Habitat",
                    "Lille Métropole Habitat",
                    "de Lille Métropole Habitat",
                    "à Lille Métropole Habitat",
                    "par Lille Métropole Habitat",
                ],
            ),
            // An explicit legal name is printed as written, with the commune's article.
            (
                party(
                    commune,
                    "Lille",
                    PartyNaming { legal_name: Some("Ville de Lille".into()), ..PartyNaming::default() },
                ),
                [
                    "Ville de Lille",
                    "la Ville de Lille",
                    "de la Ville de Lille",
                    "à la Ville de Lille",
                    "par la Ville de Lille",
                ],
            ),
        ];
        for (party, [legal, bare, de, a, par]) in cases {
            let name = &party.name;
            assert_eq!(legal_name(&party), legal, "{name}");
            assert_eq!(party_fr(&party, Preposition::None), bare, "{name}");
            assert_eq!(party_fr(&party, Preposition::De), de, "{name}");
            assert_eq!(party_fr(&party, Preposition::A), a, "{name}");
            assert_eq!(party_fr(&party, Preposition::Par), par, "{name}");
        }
    }

    #[test]
    fn the_usage_name_is_given_only_where_it_differs() {
        let lille = party(
            PartyKind::Commune,
            "Lille",
            PartyNaming { usage_name: Some("Ville de Lille".into()), ..PartyNaming::default() },
        );
        assert_eq!(usage_name(&lille), Some("Ville de Lille"));
        let same = party(
            PartyKind::Commune,
            "Lille",
            PartyNaming { usage_name: Some("Commune de Lille".into()), ..PartyNaming::default() },
        );
        assert_eq!(usage_name(&same), None);
        assert_eq!(usage_name(&party(PartyKind::Commune, "Wicres", PartyNaming::default())), None);
    }

    #[test]
    fn a_name_elides_before_a_vowel_or_an_h_unless_told() {
        let cases = [
            ("Armentières", None, true),
            ("Écully", None, true),
            ("Œuilly", None, true),
            ("Ypres", None, true),
            ("Houplines", None, true),
            ("Hem", Some(false), false),
            ("Lille", None, false),
            ("", None, false),
        ];
        for (name, elision, elides) in cases {
            let party = party(PartyKind::Commune, name, PartyNaming { elision, ..PartyNaming::default() });
            assert_eq!(party.elides(), elides, "{name}");
        }
    }
}
