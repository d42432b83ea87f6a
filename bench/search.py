"""Benchmark the search library (`search_index`, Whoosh) against SQLite FTS5 on a French corpus.

Run from the project root with the project's venv:

    .venv/bin/python bench/search.py            # --sheets 2000 --comments 100000 --queries 200
    .venv/bin/python bench/search.py --quick    # 200 sheets, 5,000 comments: a fast check

In one run (see bench/README.md), on one generated corpus (seeded: the same every run) of
sheets (about 600 words, indexed as ~4 sections each), comments (about 60 words) and
discussion topics, for `search_index.SearchIndex` and for an SQLite FTS5 table
(`unicode61 remove_diacritics 2`, the baseline a user could pick instead):

1. the full index build time (the library's `build()`, as `entrepairs reindex` runs it /
   one `executemany` per batch for FTS5) and the index size on disk;
2. the latency of the first page (10 hits) **with highlighted excerpts**, p50/p95/max,
   over at least 200 varied queries (words common and rare, several words, accentless
   words, plurals, "phrases", -exclusions, prefix*, kind filters), the same queries for
   both engines, in alternating rounds after a warm-up;
3. the time from adding a new comment (one `update()` / INSERT + COMMIT) to its being
   found by a search, repeated, median and max.

Then a check of the Whoosh side: the library's totals (exact up to its cap) against an
exact count, and a cProfile of the slowest query. When the library has the `hidden` field, a few comments are hidden
and both engines leave them out.

It ends with a Markdown table (with the ratio Whoosh / FTS5) and PASS/FAIL against the
targets for Whoosh: p95 < 25 ms with highlights, a new comment searchable < 1 s, a full
rebuild < 2 minutes. Only the standard library and the project's venv are used; the
temporary folder is deleted at the end (`--keep` keeps it) and the whole run has a time
limit (`--max-minutes`, a timer thread sending SIGUSR1).
"""

import argparse
import cProfile
import html
import io
import os
import pstats
import random
import re
import resource
import shlex
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from serve import BenchError, folder_size  # noqa: E402  (bench/serve.py)

TARGET_P95_MS = 25.0
TARGET_NEW_COMMENT_MS = 1000.0
TARGET_BUILD_S = 120.0
PER_PAGE = 10
ALL_KINDS = ("section", "comment", "topic")


# =========================================================================== vocabulary
#
# Nouns: "singular[/plural]" (the plural is derived when absent), by gender, the most
# frequent first (the generator draws them with Zipf-like weights: rank r weighs 1/(r+2)).

NOUNS_M = """
accompagnement projet conseiller bénéficiaire salarié emploi métier parcours entretien
financement dossier dispositif employeur réseau diagnostic secteur besoin objectif poste
contrat stage diplôme titre jury référentiel livret organisme opérateur territoire partenaire
atelier outil questionnaire suivi choix/choix plan temps/temps mois/mois délai droit statut
revenu budget compte coût devis module cursus apprentissage apprenti jeune cadre demandeur
candidat recruteur manager tuteur entourage handicap aménagement reclassement licenciement
congé départ retour avenir potentiel talent intérêt atout frein obstacle levier critère
indicateur résultat écart échange témoignage conseil avis/avis accord financeur marché bassin
quartier logement transport permis/permis travailleur agent formateur psychologue médecin
employé ouvrier technicien ingénieur commerçant artisan entrepreneur créateur repreneur service
pôle centre établissement lycée master doctorat baccalauréat certificat positionnement
prérequis/prérequis calendrier planning rendez-vous/rendez-vous courriel appel message
compte-rendu/comptes-rendus support document formulaire justificatif relevé bulletin
curriculum entretien-conseil/entretiens-conseils réseau-métier/réseaux-métiers portefeuille
projet-pilote/projets-pilotes binôme groupe collectif public/publics senior retraité chômeur
lauréat stagiaire alternant volontaire bénévole élu représentant syndicat comité conseil-expert
prestataire cabinet consultant coach psychologue-clinicien métier-cible/métiers-cibles vivier
gisement emploi-repère/emplois-repères savoir/savoirs savoir-faire/savoir-faire savoir-être/savoir-être
questionnement cheminement désir renoncement deuil engagement investissement rythme équilibre
horaire salaire/salaires niveau/niveaux réseau-social/réseaux-sociaux numérique/numériques
mentorat parrainage tutorat coaching diagnostic-flash/diagnostics-flash bilan-étape/bilans-étapes
accord-cadre/accords-cadres avenant/avenants règlement décret/décrets arrêté/arrêtés barème
plafond montant/montants reste-à-charge/restes-à-charge abondement/abondements cofinancement
remboursement versement paiement acompte/acomptes refus/refus recours/recours litige/litiges
""".split()

NOUNS_F = """
formation compétence reconversion évolution orientation personne situation démarche étape
validation expérience entreprise structure région mobilité insertion recherche candidature
qualification certification aide allocation rémunération prestation mission synthèse restitution
phase enquête immersion période durée fiche ressource information offre demande action session
branche filière transition sécurisation motivation confiance difficulté contrainte priorité piste
hypothèse option alternative solution réponse question attente posture écoute relation équipe
direction hiérarchie convention attestation preuve recevabilité épreuve soutenance pratique méthode
grille trame plateforme application visioconférence permanence agence antenne collectivité
association administration fonction carrière retraite santé inaptitude maladie rupture démission
indemnité aptitude capacité connaissance habileté qualité valeur envie passion idée réflexion
décision vigilance obligation règle loi/lois réforme commission instruction notification
décision-cadre/décisions-cadres prise/prises reprise/reprises création/créations cessation
formatrice conseillère salariée bénéficiaire-cible/bénéficiaires-cibles employée ouvrière
technicienne ingénieure candidate apprentie stagiaire-cadre/stagiaires-cadres manageuse
tutrice coordinatrice chargée référente animatrice responsable directrice présidente
communauté plateforme-métier/plateformes-métiers journée semaine/semaines heure/heures année
rentrée échéance relance clôture ouverture inscription réinscription sélection admission
unité/unités épreuve-écrite/épreuves-écrites mise/mises remise/remises analyse/analyses
cartographie projection représentation identité estime image perception émotion peur
inquiétude fatigue charge pression souffrance usure pénibilité reconnaissance considération
autonomie responsabilité polyvalence adaptabilité curiosité créativité rigueur organisation
gestion communication négociation coopération médiation facilitation évaluation auto-évaluation
""".split()

# Fixed collocations of the field, used as nouns (what people search as "phrases").
COLLOCATIONS = [
    ("bilan de compétences", "bilans de compétences", "m"),
    ("projet professionnel", "projets professionnels", "m"),
    ("conseil en évolution professionnelle", "conseils en évolution professionnelle", "m"),
    ("compte personnel de formation", "comptes personnels de formation", "m"),
    ("validation des acquis de l'expérience", "validations des acquis de l'expérience", "f"),
    ("projet de transition professionnelle", "projets de transition professionnelle", "m"),
    ("contrat d'engagement jeune", "contrats d'engagement jeune", "m"),
    ("entretien professionnel", "entretiens professionnels", "m"),
    ("période de mise en situation en milieu professionnel",
     "périodes de mise en situation en milieu professionnel", "f"),
    ("préparation opérationnelle à l'emploi", "préparations opérationnelles à l'emploi", "f"),
    ("reconnaissance de la qualité de travailleur handicapé",
     "reconnaissances de la qualité de travailleur handicapé", "f"),
    ("contrat de sécurisation professionnelle", "contrats de sécurisation professionnelle", "m"),
    ("plan de développement des compétences", "plans de développement des compétences", "m"),
    ("certificat de qualification professionnelle", "certificats de qualification professionnelle", "m"),
    ("transition collective", "transitions collectives", "f"),
    ("mise en situation professionnelle", "mises en situation professionnelle", "f"),
    ("enquête métier", "enquêtes métier", "f"),
    ("démission pour reconversion", "démissions pour reconversion", "f"),
    ("aide individuelle à la formation", "aides individuelles à la formation", "f"),
    ("entretien de positionnement", "entretiens de positionnement", "m"),
]

ADJECTIVES = """
professionnel personnel individuel collectif adapté pertinent possible nécessaire important
complémentaire réglementaire financier administratif régional national local territorial
premier dernier ancien accessible disponible gratuit obligatoire facultatif réaliste concret
précis clair complet partiel total intensif progressif actif positif efficace utile transversal
transférable technique pratique théorique spécifique global principal essentiel prioritaire
fragile vulnérable motivé autonome qualifié diplômé expérimenté reconnu certifiant qualifiant
éligible recevable favorable défavorable durable solide rapide lent simple complexe difficile
facile ouvert fermé régulier ponctuel habituel fréquent rare courant médical social économique
juridique salarial familial géographique émotionnel relationnel commercial industriel artisanal
agricole sanitaire hospitalier éducatif culturel sportif touristique logistique informatique
environnemental énergétique numérique hybride distanciel présentiel mixte modulaire court long
intérimaire saisonnier précaire stable souple flexible exigeant valorisant rassurant inquiétant
décisif déterminant structurant innovant expérimental territorialisé mutualisé partagé
individualisé personnalisé sur-mesure opérationnel stratégique prospectif préalable ultérieur
intermédiaire final initial continu discontinu annuel mensuel hebdomadaire quotidien
""".split()
IRREGULAR_ADJECTIVES = {  # masculine -> (feminine, masculine plural, feminine plural)
    "long": ("longue", "longs", "longues"), "nouveau": ("nouvelle", "nouveaux", "nouvelles"),
    "public": ("publique", "publics", "publiques"), "sur-mesure": ("sur-mesure", "sur-mesure", "sur-mesure"),
    "complet": ("complète", "complets", "complètes"), "concret": ("concrète", "concrets", "concrètes"),
}

# Regular verbs of the first (-er) and second (-ir, "choisir") groups; the forms are derived.
VERBS_ER = """
accompagner informer orienter financer mobiliser valider identifier analyser préparer présenter
proposer rencontrer contacter vérifier déposer constituer rédiger élaborer formaliser explorer
confirmer évaluer repérer envisager engager organiser planifier négocier solliciter consulter
étudier documenter expliquer clarifier structurer sécuriser anticiper encourager aider signaler
adresser rassurer questionner échanger travailler chercher trouver postuler intégrer quitter
changer évoluer développer renforcer lancer commencer réaliser animer coordonner piloter
recruter embaucher former certifier qualifier utiliser consacrer cibler prioriser accorder
refuser demander écouter reformuler valoriser objectiver prioriser argumenter justifier
chiffrer budgéter instruire transmettre compléter relancer orienter réorienter positionner
diagnostiquer cartographier tester expérimenter ajuster réajuster adapter aménager inscrire
désinscrire abandonner reporter décaler cofinancer abonder rembourser indemniser outiller
capitaliser mutualiser partager témoigner raconter illustrer noter conseiller
""".split()
VERBS_IR = "définir choisir réussir remplir établir fournir bâtir réfléchir approfondir investir agir".split()
# Irregular verbs: infinitive, 3s, 3p, past participle, present participle, 1p, future 3s, imperfect 3s.
VERBS_IRREGULAR = [
    "faire fait font fait faisant faisons fera faisait",
    "prendre prend prennent pris prenant prenons prendra prenait",
    "mettre met mettent mis mettant mettons mettra mettait",
    "permettre permet permettent permis permettant permettons permettra permettait",
    "obtenir obtient obtiennent obtenu obtenant obtenons obtiendra obtenait",
    "suivre suit suivent suivi suivant suivons suivra suivait",
    "construire construit construisent construit construisant construisons construira construisait",
    "acquérir acquiert acquièrent acquis acquérant acquérons acquerra acquérait",
    "tenir tient tiennent tenu tenant tenons tiendra tenait",
    "maintenir maintient maintiennent maintenu maintenant maintenons maintiendra maintenait",
    "conduire conduit conduisent conduit conduisant conduisons conduira conduisait",
    "écrire écrit écrivent écrit écrivant écrivons écrira écrivait",
    "décrire décrit décrivent décrit décrivant décrivons décrira décrivait",
    "connaître connaît connaissent connu connaissant connaissons connaîtra connaissait",
    "reconnaître reconnaît reconnaissent reconnu reconnaissant reconnaissons reconnaîtra reconnaissait",
    "apprendre apprend apprennent appris apprenant apprenons apprendra apprenait",
    "comprendre comprend comprennent compris comprenant comprenons comprendra comprenait",
    "entreprendre entreprend entreprennent entrepris entreprenant entreprenons entreprendra entreprenait",
    "prévoir prévoit prévoient prévu prévoyant prévoyons prévoira prévoyait",
    "recevoir reçoit reçoivent reçu recevant recevons recevra recevait",
    "produire produit produisent produit produisant produisons produira produisait",
    "rejoindre rejoint rejoignent rejoint rejoignant rejoignons rejoindra rejoignait",
    "découvrir découvre découvrent découvert découvrant découvrons découvrira découvrait",
    "ouvrir ouvre ouvrent ouvert ouvrant ouvrons ouvrira ouvrait",
    "offrir offre offrent offert offrant offrons offrira offrait",
]
MODALS = [("peut", "peuvent"), ("doit", "doivent"), ("souhaite", "souhaitent"), ("veut", "veulent"),
          ("va", "vont"), ("cherche à", "cherchent à"), ("hésite à", "hésitent à"), ("devra", "devront")]

ORGANISATIONS = [  # (text, gender or None for no article)
    ("France Travail", None), ("Apec", "f"), ("Mission locale", "f"), ("Carif-Oref", "m"),
    ("Cap emploi", None), ("Transitions Pro", None), ("opérateur CEP", "m"), ("OPCO", "m"),
    ("Agefiph", "f"), ("Région", "f"), ("Afpa", "f"), ("Greta", "m"), ("Cnam", "m"),
    ("Caisse des dépôts", "f"), ("DREETS", "f"), ("France compétences", None), ("Akto", None),
    ("Uniformation", None), ("Constructys", None), ("Opco EP", "m"), ("Atlas", None),
    ("Afdas", "f"), ("Ocapiat", None), ("Opco Santé", "m"), ("Opco Mobilités", "m"),
    ("École de la deuxième chance", "f"), ("Epide", "m"), ("CIDFF", "m"), ("CIBC", "m"),
    ("Fongecif", "m"), ("service public de l'emploi", "m"), ("Maison de l'emploi", "f"),
    ("PLIE", "m"), ("CCI", "f"), ("Chambre de métiers", "f"), ("MDPH", "f"), ("Cap métiers", None),
]
ACRONYMS = [  # dispositifs: (text, gender)
    ("CEP", "m"), ("VAE", "f"), ("CPF", "m"), ("PTP", "m"), ("POEI", "f"), ("POEC", "f"),
    ("CSP", "m"), ("AIF", "f"), ("CléA", "m"), ("RNCP", "m"), ("CEJ", "m"), ("PPAE", "m"),
    ("PMSMP", "f"), ("RQTH", "f"), ("CQP", "m"), ("AREF", "f"), ("ARE", "f"), ("ASP", "f"),
    ("Pro-A", "f"), ("PIC", "m"), ("PRF", "m"), ("EDEC", "m"), ("GPEC", "f"), ("PDC", "m"),
    ("BTS", "m"), ("CAP", "m"), ("DEAES", "m"), ("DEAS", "m"), ("BPJEPS", "m"), ("TP", "m"),
]
TOWNS = """
Paris Lyon Marseille Toulouse Nice Nantes Strasbourg Montpellier Bordeaux Lille Rennes Reims
Toulon Grenoble Dijon Angers Nîmes Villeurbanne Clermont-Ferrand Aix-en-Provence Brest Tours
Amiens Limoges Annecy Perpignan Besançon Metz Orléans Rouen Mulhouse Caen Nancy Argenteuil
Montreuil Roubaix Tourcoing Avignon Créteil Poitiers Versailles Pau Calais Cannes Colmar
Béziers Saint-Étienne Saint-Denis Saint-Nazaire Saint-Brieuc Saint-Malo Évry Évreux Périgueux
Angoulême Châteauroux Châlons-en-Champagne Sète Arles Lorient Quimper Vannes Cholet Laval
Niort Troyes Chambéry Valence Montélimar Bayonne Tarbes Albi Rodez Cahors Agen Mâcon Nevers
Auxerre Épinal Charleville-Mézières Bourges Blois Chartres Alençon Cherbourg Dunkerque Arras
Beauvais Compiègne Pointe-à-Pitre Fort-de-France Cayenne Mamoudzou Saint-Pierre Ajaccio Bastia
Guéret Tulle Aurillac Mende Privas Digne-les-Bains Gap Foix Carcassonne Montauban Dax Lannion
""".split()
METIERS = """
aide-soignant infirmier boulanger pâtissier électricien plombier maçon menuisier ébéniste
cuisinier serveur comptable secrétaire développeur cariste préparateur chauffeur auxiliaire
éducateur moniteur-éducateur animateur jardinier paysagiste fleuriste coiffeur esthéticienne
vendeur soudeur chaudronnier usineur mécanicien carrossier peintre plaquiste couvreur charpentier
géomètre dessinateur infographiste photographe libraire bibliothécaire archiviste juriste
assistante ambulancier brancardier agent-hospitalier aide-médico-psychologique orthophoniste
ergothérapeute kinésithérapeute diététicien sophrologue naturopathe boucher charcutier
poissonnier fromager traiteur barista sommelier caviste viticulteur maraîcher arboriculteur
éleveur apiculteur bûcheron scieur tonnelier céramiste verrier bijoutier horloger cordonnier
couturière tapissier encadreur restaurateur antiquaire luthier accordeur régisseur machiniste
électrotechnicien automaticien roboticien frigoriste chauffagiste climaticien domoticien
câbleur monteur ajusteur fraiseur tourneur rectifieur mouliste plasturgiste imprimeur
relieur maquettiste graphiste webdesigner intégrateur testeur administrateur-réseau
cybersécurité data-analyste comptable-gestionnaire paie-gestionnaire assistant-rh
chargé-de-recrutement formateur-adultes conseiller-insertion médiateur-social écrivain-public
agent-immobilier négociateur courtier assureur banquier guichetier convoyeur logisticien
magasinier manutentionnaire déménageur routier livreur coursier taxi ambulancière
surveillant-pénitentiaire gendarme pompier sapeur militaire douanier
""".split()
SECTIONS = ["Situation", "Repères", "Étapes clés", "Points de vigilance", "Financements possibles",
            "Outils et ressources", "Exemples de terrain", "Questions fréquentes", "Cadre réglementaire",
            "Acteurs à mobiliser", "Publics concernés", "Déroulé de l'accompagnement"]
PUBLICS = ["des jeunes", "des cadres", "des seniors", "des salariés en CDD", "des demandeurs d'emploi",
           "des personnes en situation de handicap", "des intérimaires", "des travailleurs indépendants",
           "des salariés du secteur sanitaire", "des femmes en reprise d'activité", "des saisonniers",
           "des agents publics", "des ouvriers de l'industrie", "des apprentis", "des créateurs d'entreprise"]
REGIONS = ["Bretagne", "Occitanie", "Normandie", "Grand Est", "Île-de-France", "Hauts-de-France",
           "Nouvelle-Aquitaine", "Auvergne-Rhône-Alpes", "Provence-Alpes-Côte d'Azur", "Pays de la Loire",
           "Centre-Val de Loire", "Bourgogne-Franche-Comté", "Corse", "La Réunion", "Guadeloupe", "Martinique"]
SUBJECTS = [  # (text, plural)
    ("le conseiller", False), ("la conseillère", False), ("le bénéficiaire", False),
    ("la personne accompagnée", False), ("l'entreprise", False), ("le salarié", False),
    ("la salariée", False), ("l'employeur", False), ("France Travail", False), ("l'Apec", False),
    ("la Mission locale", False), ("le Carif-Oref", False), ("l'opérateur CEP", False),
    ("Transitions Pro", False), ("le référent handicap", False), ("Cap emploi", False),
    ("le jeune", False), ("le cadre", False), ("la personne", False), ("le jury", False),
    ("l'organisme de formation", False), ("le financeur", False), ("la commission", False),
    ("les conseillers", True), ("les bénéficiaires", True), ("les salariés", True),
    ("les employeurs", True), ("les jeunes", True), ("les cadres", True), ("les personnes", True),
    ("les opérateurs", True), ("les partenaires", True), ("les équipes", True), ("les candidats", True),
]
CONNECTORS = ["En pratique", "Concrètement", "Ensuite", "Dans la plupart des cas", "Par ailleurs",
              "Souvent", "En général", "De plus", "Au besoin", "Le cas échéant", "Dès le départ",
              "À ce stade", "En amont", "En aval", "Pour autant", "Dans ce cas", "Sur le terrain",
              "Depuis la réforme", "Selon les territoires", "En cas de doute", "Idéalement"]
PREPOSITIONS = ["dans le cadre d", "avec", "pour", "grâce à", "en lien avec", "selon", "à partir d",
                "lors d", "au moment d", "sans", "après", "pendant", "avant", "auprès d", "autour d",
                "en fonction d", "au titre d", "au regard d", "en complément d", "malgré"]
IMPERSONALS = ["utile", "conseillé", "nécessaire", "préférable", "indispensable", "recommandé",
               "possible", "fréquent", "rare", "important", "judicieux", "prudent"]
UNITS = ["heures", "jours", "semaines", "mois", "euros", "ans", "entretiens", "séances", "dossiers"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
FIRST_NAMES = """
Camille Léa Manon Chloé Inès Sarah Julie Emma Louise Clara Marie Anne Sophie Nathalie Isabelle
Sandrine Valérie Céline Aurélie Hélène Françoise Élodie Mélanie Agnès Béatrice Laëtitia Noémie Zoé
Maëlle Anaïs Thomas Nicolas Julien Maxime Antoine Pierre Alexandre Romain Guillaume Hugo Lucas
Mathieu Sébastien Stéphane Olivier Christophe Frédéric Jérôme Benoît Loïc Karim Mehdi Yasmine Fatou Moussa
""".split()
LAST_NAMES = """
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre Leroy
Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller
Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia
Perrin Robin Clément Morin Henry Roussel Masson Kerbrat Lebreton Hoarau Payet Nguyen Benali
N'Diaye Delacroix Château Lemaître Bélanger Picard
""".split()
STOP_LIKE = {"de", "des", "du", "la", "le", "les", "l", "d", "à", "au", "aux", "en", "et", "un", "une"}
VOWELS = set("aeiouyéèêëàâîïôûœAEIOUYÉÈÊÀÂÎÏÔÛŒ")
H_ASPIRE = {"handicap", "hiérarchie", "hausse", "hameau", "héros", "hybride"}


def fold(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


def elides(word):
    first = word[:1]
    return first in VOWELS or (first in "hH" and word.lower() not in H_ASPIRE)


def plural_of(word):
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith("al") and word not in ("festival", "bal"):
        return word[:-2] + "aux"
    if word.endswith(("eau", "au", "eu")):
        return word + "x"
    return word + "s"


def feminine_of(adj):
    if adj in IRREGULAR_ADJECTIVES:
        return IRREGULAR_ADJECTIVES[adj][0]
    for end, fem in (("if", "ive"), ("el", "elle"), ("ien", "ienne"), ("eux", "euse"), ("ier", "ière"),
                     ("er", "ère"), ("on", "onne"), ("et", "ette"), ("c", "que")):
        if adj.endswith(end):
            return adj[:-len(end)] + fem
    return adj if adj.endswith("e") else adj + "e"


def adjective_forms(adj):
    """(masculine, feminine, masculine plural, feminine plural)."""
    if adj in IRREGULAR_ADJECTIVES:
        return (adj, *IRREGULAR_ADJECTIVES[adj])
    fem = feminine_of(adj)
    return adj, fem, plural_of(adj), fem + "s"


def verb_forms(infinitive):
    """dict of forms: inf, s3, p3, pp (m, f, mp, fp), ppr, p1, fut, imp."""
    if infinitive.endswith("ir") and infinitive in VERBS_IR:
        root = infinitive[:-2]
        forms = dict(inf=infinitive, s3=root + "it", p3=root + "issent", pp=root + "i", ppr=root + "issant",
                     p1=root + "issons", fut=infinitive + "a", imp=root + "issait")
    else:
        root = infinitive[:-2]
        soft = root + ("e" if root.endswith("g") else "")
        soft = soft[:-1] + "ç" if soft.endswith("c") else soft
        grave = re.sub(r"é([^aeiouyéèê]+)$", r"è\1", root)  # intégrer -> il intègre
        forms = dict(inf=infinitive, s3=grave + "e", p3=grave + "ent", pp=root + "é", ppr=soft + "ant",
                     p1=soft + "ons", fut=infinitive[:-1] + "ra", imp=soft + "ait")
    return forms


def irregular_forms(line):
    inf, s3, p3, pp, ppr, p1, fut, imp = line.split()
    return dict(inf=inf, s3=s3, p3=p3, pp=pp, ppr=ppr, p1=p1, fut=fut, imp=imp)


def participle(pp, gender, plural):
    if gender == "f":
        pp = pp + "e"
    if plural and not pp.endswith("s"):
        pp = pp + "s"
    return pp


class Weighted:
    """Items drawn with Zipf-like weights: the item of rank r weighs 1 / (r + offset) ** power."""

    def __init__(self, rng, items, power=1.0, offset=2):
        self.rng = rng
        self.items = list(items)
        total, cum = 0.0, []
        for rank in range(len(self.items)):
            total += 1.0 / (rank + offset) ** power
            cum.append(total)
        self.cum = cum

    def __call__(self):
        return self.rng.choices(self.items, cum_weights=self.cum, k=1)[0]


def _nouns():
    out = []
    for gender, words in (("m", NOUNS_M), ("f", NOUNS_F)):
        for entry in words:
            singular, _, plural = entry.partition("/")
            out.append((singular, plural or plural_of(singular), gender))
    # interleave the genders, so that the most frequent ones of both come first
    males = [n for n in out if n[2] == "m"]
    females = [n for n in out if n[2] == "f"]
    mixed = []
    for i in range(max(len(males), len(females))):
        mixed.extend(x[i] for x in (females, males) if i < len(x))
    return mixed


# =========================================================================== corpus


class French:
    """A seeded generator of French professional sentences about career-transition advising."""

    def __init__(self, seed):
        rng = self.rng = random.Random(seed)
        self.noun = Weighted(rng, _nouns(), power=0.9)
        self.collocation = Weighted(rng, COLLOCATIONS, power=0.8)
        self.adjective = Weighted(rng, [adjective_forms(a) for a in dict.fromkeys(ADJECTIVES)], power=0.9)
        verbs = [verb_forms(v) for v in dict.fromkeys(VERBS_ER + VERBS_IR)]
        verbs += [irregular_forms(v) for v in VERBS_IRREGULAR]
        rng.shuffle(verbs)  # irregular ones among the frequent too
        self.verb = Weighted(rng, verbs, power=0.85)
        self.org = Weighted(rng, ORGANISATIONS, power=0.9)
        self.acronym = Weighted(rng, ACRONYMS, power=0.9)
        self.town = Weighted(rng, TOWNS, power=0.6)
        self.metier = Weighted(rng, METIERS, power=0.5)
        self.subject = Weighted(rng, SUBJECTS, power=0.5, offset=4)
        self.connector = Weighted(rng, CONNECTORS, power=0.5)
        self.preposition = Weighted(rng, PREPOSITIONS, power=0.6)
        self.public = Weighted(rng, PUBLICS, power=0.5)

    # ---- noun phrases: (text, gender, plural)

    def _head(self):
        r = self.rng.random()
        if r < 0.10:
            singular, plural, gender = self.collocation()
        elif r < 0.18:
            text, gender = self.acronym()
            return text, gender, False
        else:
            singular, plural, gender = self.noun()
        many = self.rng.random() < 0.3
        return (plural if many else singular), gender, many

    def np(self, article=None, complement=True):
        rng = self.rng
        head, gender, many = self._head()
        words = head
        if rng.random() < 0.35 and " " not in head:
            m, f, mp, fp = self.adjective()
            words += " " + ((fp if many else f) if gender == "f" else (mp if many else m))
        if complement and rng.random() < 0.22:
            words += " " + self.de(self.np(complement=False))
        if article is None:
            r = rng.random()
            article = ("def" if r < 0.55 else "indef" if r < 0.78 else "dem" if r < 0.84
                       else "poss" if r < 0.95 else "none")
        if article == "none":
            return words, gender, many
        if many:
            det = {"def": "les", "indef": "des", "dem": "ces", "poss": rng.choice(("leurs", "ses"))}[article]
            return f"{det} {words}", gender, many
        if article == "def":
            det = "l'" if elides(words) else ("la " if gender == "f" else "le ")
        elif article == "indef":
            det = "une " if gender == "f" else "un "
        elif article == "dem":
            det = "cette " if gender == "f" else ("cet " if elides(words) else "ce ")
        else:
            det = "son " if gender == "m" or elides(words) else "sa "
            det = rng.choice((det, "leur "))
        return det + words, gender, many

    @staticmethod
    def de(np):
        """"de" + a noun phrase: du, de la, de l', des, d'..."""
        text = np[0]
        for article, contracted in (("le ", "du "), ("les ", "des "), ("des ", "de ")):
            if text.startswith(article):
                return contracted + text[len(article):]
        if text.startswith(("la ", "l'")):
            return "de " + text
        return ("d'" if elides(text) else "de ") + text

    def a(self, text):
        for article, contracted in (("le ", "au "), ("les ", "aux ")):
            if text.startswith(article):
                return contracted + text[len(article):]
        return "à " + text

    def pp_phrase(self):
        prep = self.preposition()
        r = self.rng.random()
        target = (self.org_np() if r < 0.25 else
                  ("le métier " + self.de((self.metier().replace("-", " "), "m", False))) if r < 0.32 else
                  self.np()[0])
        if prep.endswith(" d"):
            return prep[:-2] + " " + self.de((target, "m", False))
        if prep == "grâce à":
            return "grâce " + self.a(target)
        return f"{prep} {target}"

    def org_np(self):
        name, gender = self.org()
        if gender is None:
            return name
        return ("l'" if elides(name) else ("la " if gender == "f" else "le ")) + name

    def subject_np(self):
        if self.rng.random() < 0.6:
            return self.subject()
        text, _, many = self.np(article=self.rng.choice(("def", "def", "indef", "dem")))
        return text, many

    # ---- sentences

    def sheet_sentence(self):
        rng, verb = self.rng, self.verb()
        kind = rng.randrange(10)
        if kind <= 2:
            subj, many = self.subject_np()
            s = f"{subj} {verb['p3' if many else 's3']} {self.np()[0]}"
            if rng.random() < 0.6:
                s += " " + self.pp_phrase()
        elif kind == 3:
            subj, many = self.subject_np()
            s = f"pour {verb['inf']} {self.np()[0]}, {subj} {self.verb()['p3' if many else 's3']} {self.np()[0]}"
        elif kind == 4:
            subj, many = self.subject_np()
            modal = rng.choice(MODALS)[1 if many else 0]
            s = f"{subj} {modal} {verb['inf']} {self.np()[0]} {self.pp_phrase()}"
        elif kind == 5:
            other = self.verb()
            de = "d'" if elides(verb["inf"]) else "de "
            s = (f"il est {rng.choice(IMPERSONALS)} {de}{verb['inf']} {self.np()[0]} "
                 f"avant {'d' if elides(other['inf']) else 'de'}{chr(39) if elides(other['inf']) else ' '}"
                 f"{other['inf']} {self.np()[0]}")
        elif kind == 6:
            text, gender, many = self.np(article="def")
            aux = "sont" if many else "est"
            s = f"{text} {aux} {participle(verb['pp'], gender, many)} par {self.org_np()}"
        elif kind == 7:
            subj, many = self.subject_np()
            where = f"à {self.town()}" if rng.random() < 0.6 else f"en région {rng.choice(REGIONS)}"
            s = f"{where}, {subj} {verb['p3' if many else 's3']} {self.np()[0]} avec {self.org_np()}"
        elif kind == 8:
            subj, many = self.subject_np()
            s = f"{self.connector().lower()}, {subj} {verb['p3' if many else 's3']} {self.np()[0]}"
            if rng.random() < 0.5:
                s += f" en {rng.randint(2, 48)} {rng.choice(UNITS)}"
        else:
            s = f"{self.np(article='def')[0]} : {self.np()[0]}, {self.np()[0]} et {self.np()[0]}"
        return s[0].upper() + s[1:] + "."

    def comment_sentence(self):
        rng, verb = self.rng, self.verb()
        kind = rng.randrange(12)
        if kind == 0:
            s = f"j'ai {verb['pp']} {self.np()[0]} {self.pp_phrase()}"
        elif kind == 1:
            s = f"nous {verb['p1']} {self.np()[0]} avec {self.org_np()}"
        elif kind == 2:
            return rng.choice(("Merci pour cette fiche !", "Merci pour le partage.", "Très utile, merci.",
                               "Bonne question.", "Même constat ici.", "Je confirme.", "Tout à fait d'accord.",
                               "Retour d'expérience :", "Petite précision :", "Question de débutante :"))
        elif kind == 3:
            place = rng.choice(("agence", "structure", "antenne", "équipe", "permanence"))
            s = f"dans notre {place}, on {verb['s3']} {self.np()[0]}"
        elif kind == 4:
            s = f"quelqu'un a-t-il déjà {verb['pp']} {self.np()[0]} {self.pp_phrase()} ?"
            return s[0].upper() + s[1:]
        elif kind == 5:
            subj, many = self.subject_np()
            s = f"attention : {subj} {verb['p3' if many else 's3']} {self.np()[0]} {self.pp_phrase()}"
        elif kind == 6:
            other = self.verb()["inf"]
            advice = rng.choice(("conseille", "recommande", "propose", "suggère"))
            s = f"je {advice} {'d' + chr(39) if elides(other) else 'de '}{other} {self.np()[0]}"
        elif kind == 7:
            subj, many = self.subject_np()
            s = f"bonne idée, {subj} {verb['fut'][:-1] + 'ont' if many else verb['fut']} {self.np()[0]}"
        elif kind == 8:
            when = rng.choice(("la semaine dernière", "hier", "ce matin", "le mois dernier", "en entretien"))
            who = rng.choice(("une bénéficiaire", "un bénéficiaire", "un jeune", "une cadre", "un salarié",
                              "une personne"))
            s = f"{when}, {who} de {self.town()} {verb['imp']} {self.np()[0]}"
        elif kind == 9:
            s = (f"pour info, {self.org_np()} {verb['s3']} {self.np()[0]} depuis "
                 f"{rng.choice(MONTHS)} {rng.randint(2021, 2026)}")
        elif kind == 10:
            metier = self.de((self.metier().replace("-", " "), "m", False))
            s = f"reconversion vers le métier {metier} : {self.np()[0]} {self.pp_phrase()}"
        else:
            return self.sheet_sentence()
        return s[0].upper() + s[1:] + "."

    def text(self, sentence, words):
        out, count = [], 0
        while count < words:
            s = sentence()
            out.append(s)
            count += s.count(" ") + 1
        return " ".join(out)

    def sheet_title(self):
        verb = self.verb()["inf"]
        title = f"{verb[0].upper()}{verb[1:]} {self.np(article=self.rng.choice(('def', 'indef')), complement=False)[0]}"
        if self.rng.random() < 0.5:
            title += " " + self.public()
        return title

    def question_title(self):
        verb = self.verb()["inf"]
        return f"Comment {verb} {self.np(complement=False)[0]} {self.pp_phrase()} ?"

    def person(self):
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def date(self):
        day = self.rng.randrange(4 * 365)
        return time.strftime("%Y-%m-%d", time.gmtime(1672531200 + day * 86400))


def library_hides():
    """True when the library's schema has the `hidden` field (records hidden by an animator, left out
    of members' searches)."""
    from search_index.index import schema
    return "hidden" in schema().names()


def generate_corpus(sheets, comments, topics, seed, hidden_share=0.0):
    """Return the records: sections of sheets, comments (a `hidden_share` of them hidden), topics."""
    fr = French(seed)
    rng = fr.rng
    records, pages = [], []
    for n in range(1, sheets + 1):
        path = f"fiches/theme-{(n - 1) // 25 + 1:02d}/fiche-{n:04d}.md"
        title = fr.sheet_title()
        pages.append((path, title))
        names = rng.sample(SECTIONS, 4)
        for name in names:
            anchor = slug(name)
            words = max(60, int(rng.gauss(140, 35)))
            records.append({"id": f"section:{path}#{anchor}", "kind": "section", "page": path, "thread": "",
                            "title": f"{title} — {name}", "body": fr.text(fr.sheet_sentence, words),
                            "url": f"/{path[:-3]}/#{anchor}", "author": "", "date": ""})
    threads = []
    for n in range(1, topics + 1):
        thread = str(sheets + n)
        title = fr.question_title()
        threads.append(("", thread, title, f"/-/discussions/{thread}/"))
        words = max(15, int(rng.gauss(45, 15)))
        records.append({"id": f"topic:{thread}", "kind": "topic", "page": "", "thread": thread, "title": title,
                        "body": fr.text(fr.comment_sentence, words), "url": f"/-/discussions/{thread}/",
                        "author": fr.person(), "date": fr.date()})
    sheet_threads = Weighted(rng, [(path, str(i + 1), title, f"/{path[:-3]}/")
                                   for i, (path, title) in enumerate(pages)], power=0.7, offset=10)
    topic_threads = Weighted(rng, threads, power=0.7, offset=10) if threads else None
    for n in range(1, comments + 1):
        page, thread, title, url = (topic_threads() if topic_threads and rng.random() < 0.15 else sheet_threads())
        words = min(130, max(12, int(rng.gauss(52, 16))))
        hidden = "yes" if rng.random() < hidden_share else ""
        records.append({"id": f"comment:{n}", "kind": "comment", "page": page, "thread": thread, "title": title,
                        "body": fr.text(fr.comment_sentence, words), "url": f"{url}#commentaire-{n}",
                        "author": fr.person(), "date": fr.date(), "hidden": hidden})
    return records


def corpus_stats(records):
    words, vocabulary = 0, set()
    split = re.compile(r"\w+").findall
    by_kind = {}
    for record in records:
        tokens = split(record["body"])
        words += len(tokens)
        vocabulary.update(t.lower() for t in tokens)
        kind = by_kind.setdefault(record["kind"], [0, 0])
        kind[0] += 1
        kind[1] += len(tokens)
    text_mb = sum(len(r["body"].encode()) + len(r["title"].encode()) for r in records) / 1e6
    return {"words": words, "vocabulary": len(vocabulary), "by_kind": by_kind, "text_mb": text_mb}


# =========================================================================== queries

COMMON_WORDS = """formation accompagnement projet CPF VAE conseiller financement entretien reconversion
compétences emploi bilan métier jeunes cadres handicap salarié employeur Apec parcours orientation
évolution dossier situation démarche expérience entreprise professionnel personne validation mobilité
insertion CEP PTP jury dispositif réseau diagnostic Transitions OPCO""".split()
ACCENTLESS_PAIRS = ["evolution professionnelle", "securisation parcours", "competences transferables",
                    "experience professionnelle", "remuneration stage", "reseau partenaires",
                    "etape validation", "prerequis formation", "demarche reconversion", "recevabilite VAE"]
PREFIXES = ["format*", "accomp*", "financ*", "reconv*", "compét*", "pro*", "con*", "orient*", "valid*",
            "certif*", "entre*", "mobil*", "jeun*", "cadr*", "handi*", "rému*", "diag*", "transit*", "ser*",
            "apprent*", "qualif*", "évol*", "insert*", "immers*"]
#: share of each category in --queries (they add up to 1).
CATEGORIES = [("common word", 0.15), ("rare word", 0.125), ("2-3 words", 0.20), ("accentless", 0.125),
              ("plural", 0.10), ("phrase", 0.10), ("exclusion", 0.075), ("prefix*", 0.075),
              ("kind filter", 0.05)]


def generate_queries(n, seed):
    """Return [(category, text, kinds)]: n varied, deduplicated queries drawn from the corpus' vocabulary."""
    rng = random.Random(seed * 7 + 1)
    nouns = _nouns()
    adjectives = [adjective_forms(a)[0] for a in dict.fromkeys(ADJECTIVES)]
    mid = ([s for s, _, _ in nouns[8:160] if "-" not in s] + adjectives[:80]
           + [a for a, _ in ACRONYMS[:18]] + ["jeunes", "cadres", "seniors", "handicap"])
    rare = ([m for m in METIERS if "-" not in m] + [t for t in TOWNS if "-" not in t][40:]
            + [s for s, _, _ in nouns[-120:] if "-" not in s] + adjectives[-40:])
    accented = sorted({w for w in mid + [p for _, p, _ in nouns[:150]] + [verb_forms(v)["pp"] for v in VERBS_ER]
                       if fold(w) != w and "-" not in w})
    plurals = [p for s, p, _ in nouns[:200] if p != s and "-" not in p]

    def one(category):
        if category == "common word":
            return rng.choice(COMMON_WORDS)
        if category == "rare word":
            return rng.choice(rare)
        if category == "2-3 words":
            words = [rng.choice(COMMON_WORDS[:25] + mid)] + rng.sample(mid, rng.choice((1, 1, 2)))
            return " ".join(words)
        if category == "accentless":
            if rng.random() < 0.35:
                return rng.choice(ACCENTLESS_PAIRS)
            return fold(rng.choice(accented))
        if category == "plural":
            return rng.choice(plurals)
        if category == "phrase":
            if rng.random() < 0.55:
                return f'"{rng.choice(COLLOCATIONS)[rng.choice((0, 0, 1))]}"'
            singular, plural, gender = rng.choice(nouns[:60])
            m, f, mp, fp = adjective_forms(rng.choice(ADJECTIVES[:40]))
            many = rng.random() < 0.3
            adj = (fp if many else f) if gender == "f" else (mp if many else m)
            return f'"{plural if many else singular} {adj}"'
        if category == "exclusion":
            first = rng.choice(COMMON_WORDS) if rng.random() < 0.75 else f'"{rng.choice(COLLOCATIONS)[0]}"'
            excluded = " ".join("-" + w for w in rng.sample(mid, rng.choice((1, 1, 2))))
            return f"{first} {excluded}"
        if category == "prefix*":
            return rng.choice(PREFIXES)
        raise ValueError(category)

    counts = {name: max(1, round(share * n)) for name, share in CATEGORIES}
    counts["2-3 words"] += max(0, n - sum(counts.values()))
    queries, seen = [], set()
    for name, count in counts.items():
        made, attempts = 0, 0
        while made < count and attempts < count * 50:
            attempts += 1
            if name == "kind filter":
                text = one(rng.choice(("common word", "2-3 words", "plural", "accentless", "phrase")))
                kinds = rng.choice((("section",), ("comment",), ("section", "topic"), ("comment", "topic")))
            else:
                text, kinds = one(name), ALL_KINDS
            if (text, kinds) in seen:
                continue
            seen.add((text, kinds))
            queries.append((name, text, kinds))
            made += 1
        if made < count:  # a small vocabulary for this category: fill with several-word queries
            while made < count:
                text = one("2-3 words")
                if (text, ALL_KINDS) not in seen:
                    seen.add((text, ALL_KINDS))
                    queries.append((name + " (filler)", text, ALL_KINDS))
                    made += 1
    return queries


# =========================================================================== engines


class WhooshEngine:
    """`search_index.SearchIndex`, used as the gateway uses it."""

    name = "Whoosh (search_index)"

    def __init__(self, folder):
        from search_index.index import SearchIndex
        self.folder = Path(folder)
        self.ix = SearchIndex(self.folder)

    def build(self, records, batch):
        """The library's full build, as `entrepairs reindex` runs it (`batch` is for FTS5 only)."""
        self.ix.create()
        started = time.perf_counter()
        self.ix.build(records)
        return [time.perf_counter() - started]

    def size(self):
        return folder_size(self.folder)[0]

    def describe(self):
        searcher = self.ix.searcher()
        reader = searcher.reader()
        segments = len(list(reader.leaf_readers())) if hasattr(reader, "leaf_readers") else 1
        files = folder_size(self.folder)[1]
        return f"{searcher.doc_count():,} documents, {segments} segment(s), {files} files"

    def search(self, text, kinds):
        found = self.ix.search(text, kinds=kinds, page=1, per_page=PER_PAGE)
        return [(h.id, h.excerpt) for h in found.hits], found.total

    def add(self, record):
        self.ix.update(records=[record])

    def close(self):
        self.ix.close()


def fts5_match(parsed, hides=False):
    """The FTS5 MATCH expression of a parsed member query (search_index.query.parse).

    A word -> "word" (quoted, so that FTS5's syntax cannot be injected; a word with
    inner punctuation, "Carif-Oref", becomes a phrase of its tokens), a "phrase" ->
    "the phrase", a prefix -> "stem"*; included clauses joined by AND, the excluded
    ones by OR in one trailing NOT (...); with `hides`, NOT hidden:"yes" as well (records hidden
    by an animator, which the library leaves out of members' searches)."""

    def clause(kind, text):
        text = text.replace('"', " ")
        return f'"{text}"*' if kind == "prefix" else f'"{text}"'

    expression = " AND ".join(clause(*c) for c in parsed.include)
    if parsed.exclude:
        expression = f"({expression}) NOT ({' OR '.join(clause(*c) for c in parsed.exclude)})"
    if hides:
        expression = f'({expression}) NOT hidden : "yes"'
    return expression


class Fts5Engine:
    """An SQLite FTS5 table with the same records, the baseline a user could pick instead."""

    name = "SQLite FTS5"
    OPEN, CLOSE = "\ue000", "\ue001"  # snippet markers, turned into <mark> after HTML escaping

    def __init__(self, path, hides):
        self.path = Path(path)
        self.hides = hides
        self.db = None

    def build(self, records, batch):
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        times = []
        started = time.perf_counter()
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, hidden, id UNINDEXED, kind UNINDEXED, page UNINDEXED, "
            "thread UNINDEXED, url UNINDEXED, author UNINDEXED, date UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2')")
        # the title weighs twice the body, as in the Whoosh schema (field_boost=2.0); `hidden` ("yes"
        # or "") is indexed only to be excluded in MATCH, and weighs nothing
        self.db.execute("INSERT INTO docs(docs, rank) VALUES ('rank', 'bm25(2.0, 1.0, 0.0)')")
        setup = time.perf_counter() - started
        for start in range(0, len(records), batch):
            started = time.perf_counter()
            self._insert(records[start:start + batch])
            times.append(time.perf_counter() - started)
        times[0] += setup
        return times

    def _insert(self, records):
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT INTO docs (title, body, hidden, id, kind, page, thread, url, author, date) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(r["title"], r["body"], r.get("hidden") or "", r["id"], r["kind"], r.get("page") or "",
              r.get("thread") or "",
              r.get("url") or "", r.get("author") or "", r.get("date") or "") for r in records])
        self.db.execute("COMMIT")

    def size(self):
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def describe(self):
        count = self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        return f"{count:,} rows, journal_mode=WAL, synchronous=NORMAL, no 'optimize'"

    def search(self, text, kinds):
        from search_index.query import parse
        match = fts5_match(parse(text), self.hides)  # same validation as the library (QueryError)
        where, params = "docs MATCH ?", [match]
        if set(kinds) != set(ALL_KINDS):
            where += f" AND kind IN ({','.join('?' * len(kinds))})"
            params += list(kinds)
        rows = self.db.execute(
            f"SELECT id, kind, title, url, author, date, "
            f"snippet(docs, 1, '{self.OPEN}', '{self.CLOSE}', ' … ', 32) "
            f"FROM docs WHERE {where} ORDER BY rank LIMIT {PER_PAGE}", params).fetchall()
        total = self.db.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]
        hits = [(row[0], html.escape(row[6], quote=False)
                 .replace(self.OPEN, "<mark>").replace(self.CLOSE, "</mark>"))
                for row in rows]
        return hits, total

    def add(self, record):
        self._insert([record])

    def close(self):
        if self.db is not None:
            self.db.close()
            self.db = None


# =========================================================================== measurements


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def ms(seconds):
    return seconds * 1000.0


def run_queries(engine, queries):
    """Run each query once; return [(seconds, total, hits)]."""
    out = []
    for _, text, kinds in queries:
        started = time.perf_counter()
        hits, total = engine.search(text, kinds)
        out.append((time.perf_counter() - started, total, hits))
    return out


def new_comment_to_found(engine, fr, repeats, found_timeout, tag):
    """Add `repeats` comments, each with a unique word, and search it until found.

    Returns [(total s, add s, searches s, tries)]."""
    results = []
    for i in range(repeats):
        marker = f"temoin{tag}x{i:03d}q"
        record = {"id": f"comment:bench-{tag}-{i}", "kind": "comment", "page": "fiches/theme-01/fiche-0001.md",
                  "thread": "1", "title": "Nouveau commentaire",
                  "body": fr.text(fr.comment_sentence, 50) + f" Mot témoin : {marker}.",
                  "url": f"/fiches/theme-01/fiche-0001/#commentaire-bench-{i}",
                  "author": fr.person(), "date": "2026-12-01"}
        started = time.perf_counter()
        engine.add(record)
        added = time.perf_counter()
        tries, found = 0, False
        while time.perf_counter() - started < found_timeout:
            tries += 1
            hits, total = engine.search(marker, ALL_KINDS)
            if total >= 1 and hits and hits[0][0] == record["id"]:
                found = True
                break
            time.sleep(0.005)
        done = time.perf_counter()
        if not found:
            raise BenchError(f"{engine.name}: the new comment {record['id']} was not found within "
                             f"{found_timeout:.0f} s")
        if "<mark>" not in hits[0][1]:
            raise BenchError(f"{engine.name}: the new comment was found without a highlighted excerpt")
        results.append((done - started, added - started, done - added, tries))
        time.sleep(0.05)
    return results


def exact_totals(engine, queries):
    """Diagnostic: every query's exact count of visible matching documents (no cap, no time
    limit), from the library's own query and the kinds and hidden flags of the documents."""
    from whoosh.query import Term

    from search_index.index import build_query
    from search_index.query import parse
    searcher = engine.ix.searcher()
    docs = {(field, value): set(searcher.docs_for_query(Term(field, value)))
            for field, value in [("hidden", "yes")] + [("kind", k) for k in ALL_KINDS]}
    totals = []
    for _, text, kinds in queries:
        query, _ = build_query(parse(text), searcher.reader())
        wanted = set().union(*(docs[("kind", k)] for k in kinds)) - docs[("hidden", "yes")]
        totals.append(sum(1 for d in searcher.docs_for_query(query) if d in wanted))
    return totals


def profile_query(engine, text, kinds, repeat=5, lines=18):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        engine.search(text, kinds)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()


# =========================================================================== report


def latency_line(label, seconds):
    values = [ms(s) for s in seconds]
    return (f"  {label:<42} p50 {percentile(values, 50):7.2f} ms   p95 {percentile(values, 95):7.2f} ms   "
            f"max {max(values):7.2f} ms   mean {statistics.fmean(values):7.2f} ms   ({len(values)} samples)")


def markdown_table(rows, ratio):
    lines = ["| Engine | Full build (s) | Index size (MB) | Query p50 (ms) | Query p95 (ms) | "
             "New comment → found, median (ms) |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['name']} | {row['build']:.1f} | {row['size']:.1f} | {row['p50']:.2f} | "
                     f"{row['p95']:.2f} | {row['found']:.1f} |")
    lines.append(f"| Ratio Whoosh / FTS5 | {ratio['build']:.1f}× | {ratio['size']:.1f}× | {ratio['p50']:.1f}× | "
                 f"{ratio['p95']:.1f}× | {ratio['found']:.1f}× |")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheets", type=int, default=2000, help="sheets of ~600 words, ~4 sections each (2000)")
    parser.add_argument("--comments", type=int, default=100000, help="comments of ~60 words (100000)")
    parser.add_argument("--topics", type=int, default=None, help="discussion topics (default: comments / 100)")
    parser.add_argument("--queries", type=int, default=200, help="distinct queries, at least 200 (200)")
    parser.add_argument("--quick", action="store_true",
                        help="a fast check: 200 sheets, 5,000 comments (unless given), 200 queries")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of all the queries (3)")
    parser.add_argument("--batch", type=int, default=10000, help="rows per transaction of FTS5's full build (10000)")
    parser.add_argument("--new-comments", type=int, default=20, help="new comment -> found repetitions (20)")
    parser.add_argument("--found-timeout", type=float, default=10.0,
                        help="give up looking for a new comment after this, s (10)")
    parser.add_argument("--hidden", type=float, default=0.003,
                        help="share of comments hidden by an animator, if the library has them (0.003)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the corpus and queries (2024)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of the slowest query")
    parser.add_argument("--max-minutes", type=float, default=45, help="time limit of the whole run (45)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (both indexes)")
    args = parser.parse_args(argv)
    if args.quick:
        given = set(a.split("=")[0] for a in argv)
        if "--sheets" not in given:
            args.sheets = 200
        if "--comments" not in given:
            args.comments = 5000
    if args.topics is None:
        args.topics = max(10, args.comments // 100)
    if min(args.sheets, args.queries, args.rounds, args.batch, args.new_comments) < 1 or args.comments < 0:
        parser.error("counts must be positive")
    return args


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _deadline(signum, _frame):
    raise BenchError("the run went over --max-minutes")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    # The time limit of the run: SIGUSR1 from a timer thread (signal.alarm would interrupt
    # whatever Whoosh's build processes are doing).
    signal.signal(signal.SIGUSR1, _deadline)
    deadline = threading.Timer(args.max_minutes * 60, os.kill, (os.getpid(), signal.SIGUSR1))
    deadline.daemon = True
    deadline.start()
    import whoosh

    print("# entrepairs search benchmark: search_index (Whoosh) vs SQLite FTS5")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"cwd: {os.getcwd()}")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores: {os.cpu_count()} (usable by this process: {affinity}); python {sys.version.split()[0]}; "
          f"whoosh {'.'.join(map(str, whoosh.__version__))}; sqlite {sqlite3.sqlite_version}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min; other processes "
          "share the cores)")
    workdir = Path(tempfile.mkdtemp(prefix="entrepairs-search-bench-"))
    print(f"temporary folder: {workdir}")
    whoosh_engine = WhooshEngine(workdir / "whoosh")
    fts = Fts5Engine(workdir / "fts5.db", hides=library_hides())
    engines = (whoosh_engine, fts)
    failed, summary = False, None
    try:
        summary = run(args, engines, workdir)
    except BenchError as error:
        failed = True
        print(f"\n  FAILED: {error}")
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        deadline.cancel()
        for engine in engines:
            try:
                engine.close()
            except Exception as error:  # noqa: BLE001 - closing must not hide the report
                print(f"  (closing {engine.name}: {error})")
        if args.keep:
            print(f"\n(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if summary:
        print(summary)
    print(f"\nLoad average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min).")
    print(f"Peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(corpus in memory + both engines).")
    return 1 if failed else 0


def run(args, engines, workdir):
    whoosh_engine, fts = engines
    from search_index.query import QueryError, parse

    # ---------------------------------------------------------------- corpus
    print("\n## Corpus\n")
    started = time.perf_counter()
    hides = library_hides()
    records = generate_corpus(args.sheets, args.comments, args.topics, args.seed,
                              hidden_share=args.hidden if hides else 0.0)
    generated = time.perf_counter() - started
    stats = corpus_stats(records)
    kinds = stats["by_kind"]
    print(f"  {len(records):,} records generated in {generated:.1f} s (seed {args.seed}), "
          f"{stats['words']:,} words, {stats['vocabulary']:,} distinct lowercase words, "
          f"{stats['text_mb']:.1f} MB of text (titles + bodies)")
    print(f"  sheets: {args.sheets:,} (~{kinds['section'][1] / max(1, args.sheets):.0f} words each) "
          f"-> {kinds['section'][0]:,} section records (~{kinds['section'][1] / kinds['section'][0]:.0f} words)")
    if "comment" in kinds:
        hidden = sum(1 for r in records if r.get("hidden") == "yes")
        print(f"  comments: {kinds['comment'][0]:,} (~{kinds['comment'][1] / kinds['comment'][0]:.0f} words), "
              + (f"{hidden:,} of them hidden by an animator (left out of members' searches by both engines)"
                 if hides else "none hidden (this version of the library has no `hidden` field)"))
    print(f"  topics: {kinds['topic'][0]:,} (~{kinds['topic'][1] / kinds['topic'][0]:.0f} words)")
    sample = records[0]
    print(f"  e.g. {sample['id']} «{sample['title']}»: {sample['body'][:230]}…")
    comment = next((r for r in records if r["kind"] == "comment"), None)
    if comment:
        print(f"  e.g. {comment['id']} by {comment['author']}, {comment['date']}: {comment['body'][:200]}…")

    # ---------------------------------------------------------------- queries
    queries = []
    for category, text, query_kinds in generate_queries(args.queries, args.seed):
        try:
            parse(text)
        except QueryError as error:
            print(f"  (query {text!r} refused by the library: {error.key}; left out)")
            continue
        queries.append((category, text, query_kinds))
    print(f"\n## Queries\n\n  {len(queries)} distinct queries, the same for both engines, "
          "each for the first page of 10 hits with highlighted excerpts and the total:")
    by_category = {}
    for category, text, query_kinds in queries:
        by_category.setdefault(category, []).append(text + ("" if query_kinds == ALL_KINDS
                                                            else f" [{'+'.join(query_kinds)}]"))
    for category, texts in by_category.items():
        print(f"  - {category} ({len(texts)}): " + ", ".join(texts[:6]) + (", …" if len(texts) > 6 else ""))
    if len(queries) < 200:
        print(f"  (fewer than 200 queries: {len(queries)})")

    # ---------------------------------------------------------------- build
    print(f"\n## Full build ({len(records):,} records: Whoosh's build(), FTS5 {args.batch:,} rows per transaction)\n")
    builds = {}
    for engine in engines:
        times = engine.build(records, args.batch)
        size = engine.size()
        builds[engine.name] = (sum(times), size)
        print(f"  {engine.name}: {sum(times):.1f} s in {len(times)} commits (per commit {min(times):.1f}–"
              f"{max(times):.1f} s, {len(records) / sum(times):,.0f} records/s); size {size / 1e6:.1f} MB; "
              f"{engine.describe()}")

    # ---------------------------------------------------------------- latency
    print(f"\n## Query latency (first page of {PER_PAGE} hits, with highlighted excerpts, and the total)\n")
    print("  warm-up: every query once per engine (not counted)")
    warm = {engine.name: run_queries(engine, queries) for engine in engines}
    samples = {engine.name: [[] for _ in queries] for engine in engines}
    for r in range(args.rounds):
        order = engines if r % 2 == 0 else engines[::-1]
        for engine in order:
            for i, (seconds, _, _) in enumerate(run_queries(engine, queries)):
                samples[engine.name][i].append(seconds)
    print(f"  {args.rounds} measured round(s) of all {len(queries)} queries, alternating which engine goes first\n")
    flat = {name: [s for per_query in values for s in per_query] for name, values in samples.items()}
    medians = {name: [statistics.median(per) for per in values] for name, values in samples.items()}
    for engine in engines:
        print(latency_line(engine.name, flat[engine.name]))
    for engine in engines:
        print(latency_line(engine.name + ", per-query median", medians[engine.name]))
    print("  (the second pair takes each query's median over the rounds: less sensitive to load from other "
          "processes)")
    print("\n  by category, p50 / p95 (ms):\n")
    print(f"  {'category':<26}{'n':>4}   {'Whoosh':>17}   {'FTS5':>17}   {'ratio p95':>9}")
    categories = list(dict.fromkeys(c for c, _, _ in queries))
    for category in categories:
        index = [i for i, q in enumerate(queries) if q[0] == category]
        cells = []
        for engine in engines:
            values = [ms(s) for i in index for s in samples[engine.name][i]]
            cells.append((percentile(values, 50), percentile(values, 95)))
        print(f"  {category:<26}{len(index):>4}   {cells[0][0]:7.2f} / {cells[0][1]:7.2f}   "
              f"{cells[1][0]:7.2f} / {cells[1][1]:7.2f}   {cells[0][1] / max(cells[1][1], 1e-9):8.1f}×")

    # results: totals and highlights, to show the engines did comparable work
    w_results, f_results = warm[whoosh_engine.name], warm[fts.name]
    w_tot = [t for _, t, _ in w_results]
    f_tot = [t for _, t, _ in f_results]
    marked = sum(1 for _, _, hits in w_results for _, excerpt in hits if "<mark>" in excerpt)
    shown = sum(len(hits) for _, _, hits in w_results)
    f_marked = sum(1 for _, _, hits in f_results for _, excerpt in hits if "<mark>" in excerpt)
    f_shown = sum(len(hits) for _, _, hits in f_results)
    print(f"\n  results: Whoosh median total {statistics.median(w_tot):,.0f} hits (max {max(w_tot):,}), "
          f"{sum(1 for t in w_tot if t == 0)} queries without a hit, {marked}/{shown} excerpts with a <mark>;")
    print(f"           FTS5 median total {statistics.median(f_tot):,.0f} hits (max {max(f_tot):,}), "
          f"{sum(1 for t in f_tot if t == 0)} queries without a hit, {f_marked}/{f_shown} excerpts with a <mark>.")
    slowest = sorted(range(len(queries)), key=lambda i: -medians[whoosh_engine.name][i])[:10]
    print("\n  the 10 slowest queries for Whoosh (median of the rounds; total hits):\n")
    for i in slowest:
        category, text, query_kinds = queries[i]
        suffix = "" if query_kinds == ALL_KINDS else f" [{'+'.join(query_kinds)}]"
        print(f"    {ms(medians[whoosh_engine.name][i]):7.1f} ms  {w_tot[i]:>7,}   "
              f"FTS5 {ms(medians[fts.name][i]):6.1f} ms {f_tot[i]:>7,}   {text}{suffix}  ({category})")

    # ---------------------------------------------------------------- totals
    from search_index.index import MAX_TOTAL
    print(f"\n## Totals (the library counts exactly up to {MAX_TOTAL:,}, then says 'more than {MAX_TOTAL:,}')\n")
    exact = exact_totals(whoosh_engine, queries)
    wrong = [i for i in range(len(queries)) if w_tot[i] != min(exact[i], MAX_TOTAL)]
    print(f"  the library's total differs from min(exact count, {MAX_TOTAL:,}) for {len(wrong)} of {len(queries)} "
          f"queries; {sum(1 for t in exact if t > MAX_TOTAL)} queries match more than {MAX_TOTAL:,} documents")
    for i in wrong[:8]:
        _, text, query_kinds = queries[i]
        print(f"    {text} {query_kinds}: library {w_tot[i]:,}, exact {exact[i]:,}")
    f_tot = [t for _, t, _ in warm[fts.name]]
    print(f"  FTS5 (exact counts, not capped) finds fewer documents than Whoosh's exact count for "
          f"{sum(1 for a, b in zip(exact, f_tot) if b < a)} queries, more for "
          f"{sum(1 for a, b in zip(exact, f_tot) if b > a)}: no stemming ('formations' does not match 'formation'), "
          "stop words kept in the query, and Whoosh does not search a comment's page title.")
    if not args.no_profile:
        i = slowest[0]
        _, text, query_kinds = queries[i]
        print(f"\n  cProfile of the slowest query, {text!r}, 5 runs, by own time:\n")
        report = profile_query(whoosh_engine, text, query_kinds)
        lines = report.splitlines()
        start = next((n for n, line in enumerate(lines) if "ncalls" in line), 0)
        head = [line for line in lines[:start] if "function calls" in line]
        for line in head + lines[start:start + 19]:
            print("    " + line.rstrip())

    # ---------------------------------------------------------------- new comment -> found
    print(f"\n## New comment → found ({args.new_comments} times per engine: one update() / INSERT + COMMIT, "
          "then search its unique word until the first hit is it)\n")
    fr = French(args.seed + 99)
    found = {}
    for n, engine in enumerate(engines):
        result = new_comment_to_found(engine, fr, args.new_comments, args.found_timeout, tag=f"{n}")
        totals = [ms(r[0]) for r in result]
        found[engine.name] = statistics.median(totals)
        print(f"  {engine.name}: median {statistics.median(totals):.1f} ms, max {max(totals):.1f} ms "
              f"(add/commit median {statistics.median(ms(r[1]) for r in result):.1f} ms, "
              f"search median {statistics.median(ms(r[2]) for r in result):.1f} ms, "
              f"tries max {max(r[3] for r in result)})")
    print(f"  Whoosh index afterwards: {whoosh_engine.describe()}")
    opening = []
    for _ in range(3):
        whoosh_engine.ix.close()  # the searcher is reopened by the next search, as after a commit
        one = time.perf_counter()
        whoosh_engine.ix.searcher()
        opening.append(time.perf_counter() - one)
    print(f"  Whoosh: opening a searcher on these segments (what every search pays once after a commit): "
          f"median {ms(statistics.median(opening)):.1f} ms of 3")

    # ---------------------------------------------------------------- summary
    rows = []
    for engine in engines:
        build, size = builds[engine.name]
        values = [ms(s) for s in flat[engine.name]]
        rows.append({"name": engine.name, "build": build, "size": size / 1e6, "p50": percentile(values, 50),
                     "p95": percentile(values, 95), "found": found[engine.name]})
    w, f = rows
    ratio = {key: w[key] / f[key] if f[key] else float("inf") for key in ("build", "size", "p50", "p95", "found")}
    lines = ["\n## Summary\n",
             f"{args.sheets:,} sheets ({kinds['section'][0]:,} sections), {args.comments:,} comments, "
             f"{args.topics:,} topics; {len(queries)} queries × {args.rounds} rounds; {os.cpu_count()} cores.\n",
             markdown_table(rows, ratio), "",
             f"Target, Whoosh query p95 with highlights: {w['p95']:.2f} ms < {TARGET_P95_MS:.0f} ms "
             f"{'PASS' if w['p95'] < TARGET_P95_MS else 'FAIL'}",
             f"Target, Whoosh new comment searchable: median {w['found']:.0f} ms < {TARGET_NEW_COMMENT_MS:.0f} ms "
             f"{'PASS' if w['found'] < TARGET_NEW_COMMENT_MS else 'FAIL'}",
             f"Target, Whoosh full rebuild: {w['build']:.1f} s < {TARGET_BUILD_S:.0f} s "
             f"{'PASS' if w['build'] < TARGET_BUILD_S else 'FAIL'} (on {os.cpu_count()} cores)"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
