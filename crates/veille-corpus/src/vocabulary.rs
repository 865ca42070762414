//! The words synthetic documents are made of, per language, most frequent
//! first: function words, then the vocabulary of Sahel security and
//! humanitarian reporting. Ranks matter: words are drawn with Zipf's law
//! over each list's order, as they occur in real news text.

/// French, by rough frequency in regional news.
pub(crate) const FRENCH: &str = "de la le les des et à en du un une dans pour sur par au avec qui que \
    est a ont été selon ce cette ces plus aux sont ne pas se il ils elle leur leurs depuis après \
    avant contre entre sans vers lors mais aussi encore déjà ainsi dont où tout tous deux trois \
    région cercle commune village villages ville route axe frontière localité quartier marché \
    armée soldats militaires forces gendarmerie police douane poste patrouille escorte \
    attaque attaques embuscade assaut affrontements combats tirs explosion engin mine \
    hommes armés assaillants jihadistes combattants groupe groupes katiba terroristes \
    enlèvement enlèvements otages libération rançon négociations médiation \
    convoi camion camions citernes carburant essence gasoil blocus pénurie prix commerçants \
    transporteurs chauffeurs ravitaillement approvisionnement stocks denrées céréales riz mil \
    habitants populations déplacés réfugiés familles femmes enfants élèves écoles école fermeture \
    aide humanitaire ONG vivres santé centre blessés morts victimes bilan témoins sources \
    éleveurs bétail troupeaux pâturages transhumance agriculteurs récoltes greniers champs \
    chefs coutumiers notables maire préfet gouverneur autorités ministre gouvernement transition \
    communiqué revendication déclaration message audio vidéo réseaux sociaux téléphone radio \
    sécurité menace menaces insécurité couvre-feu motos circulation interdiction mesure \
    saison pluies fleuve pont bac piste hivernage crue inondations sécheresse \
    semaine mois jours lundi mardi mercredi jeudi vendredi samedi dimanche matin soir nuit \
    nord sud est ouest centre environs alentours zone zones secteur \
    bilan provisoire situation tension calme retour reprise accès isolement siège \
    mines orpailleurs orpaillage sites aurifères or exploitation \
    élections scrutin manifestation grève syndicat enseignants jeunes association \
    nouvelles informations confirmé indiqué affirmé rapporté signalé annoncé dénoncé \
    plusieurs nombreux certains quelques dizaines centaines milliers";

/// English, by rough frequency in regional news.
pub(crate) const ENGLISH: &str = "the of and to in a on for that by with from was were is are \
    has have had said at as it its their they he she not but also after before since during \
    between against without about into over more than two three several many some \
    region district town village villages city road border area areas market neighbourhood \
    army soldiers troops military forces police gendarmes customs post patrol escort \
    attack attacks ambush assault clashes fighting gunfire explosion device mine \
    gunmen militants jihadists fighters group groups insurgents armed men \
    kidnapping kidnappings abduction hostages release ransom talks mediation \
    convoy truck trucks tankers fuel petrol diesel blockade shortage prices traders \
    transporters drivers supplies food stocks grain rice millet \
    residents people displaced refugees families women children pupils schools school closure \
    aid humanitarian agencies health clinic wounded dead killed victims toll witnesses sources \
    herders cattle livestock grazing farmers harvest granaries fields \
    elders chiefs mayor prefect governor authorities minister government junta \
    statement claim declaration audio message video social media phone radio \
    security threat threats insecurity curfew motorbikes traffic ban measure \
    season rains river bridge ferry track flooding drought \
    week month days monday tuesday wednesday thursday friday saturday sunday morning evening night \
    north south east west central surrounding zone sector \
    situation tension calm return access siege isolation \
    gold miners mining sites \
    elections vote protest strike union teachers youth association \
    reported confirmed told announced denied condemned warned according local officials";

/// Arabic, by rough frequency in regional news.
pub(crate) const ARABIC: &str = "في من على إلى أن عن مع التي الذي وقد كما بعد قبل منذ بين خلال حسب \
    وفق لم لا قد هذا هذه ذلك تلك أكثر عدة بعض جميع اثنين ثلاثة \
    المنطقة الدائرة القرية القرى المدينة الطريق الحدود الحدودية السوق الحي البلدة \
    الجيش الجنود القوات العسكرية الدرك الشرطة الجمارك نقطة دورية مرافقة \
    هجوم هجمات كمين اشتباكات معارك إطلاق نار انفجار عبوة ناسفة لغم \
    مسلحون مسلحين الجماعة الجماعات المسلحة الإرهابية مقاتلين متشددين \
    اختطاف الرهائن إطلاق سراح فدية مفاوضات وساطة \
    قافلة شاحنة الشاحنات صهاريج الوقود البنزين الديزل الحصار نقص الأسعار التجار \
    الناقلين السائقين الإمدادات المواد الغذائية الحبوب الأرز الدخن \
    السكان المواطنين النازحين اللاجئين الأسر النساء الأطفال التلاميذ المدارس إغلاق \
    المساعدات الإنسانية المنظمات الصحة مركز الجرحى القتلى الضحايا الحصيلة شهود مصادر \
    الرعاة الماشية المواشي المراعي المزارعين الحصاد الحقول \
    الأعيان الزعماء التقليديين العمدة الحاكم السلطات الوزير الحكومة الانتقالية \
    بيان تبني تصريح رسالة صوتية فيديو مواقع التواصل الهاتف الإذاعة \
    الأمن تهديد تهديدات انعدام حظر التجول الدراجات النارية حركة منع إجراء \
    موسم الأمطار النهر الجسر العبارة فيضانات الجفاف \
    الأسبوع الشهر الأيام الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد صباح مساء ليلة \
    شمال جنوب شرق غرب وسط محيط محيطها منطقة قطاع \
    الوضع توتر هدوء عودة الوصول عزلة \
    الذهب المنقبين التنقيب مواقع \
    الانتخابات مظاهرة إضراب النقابة المعلمين الشباب جمعية \
    أفادت أكدت أعلنت نفت أدانت حذرت محلية مسؤولين";

/// Word pairs reporters write together, inserted whole so that phrase
/// queries have something to find.
pub(crate) const FRENCH_PHRASES: &[&str] = &[
    "pénurie de carburant",
    "convoi de camions",
    "hommes armés",
    "chefs coutumiers",
    "aide humanitaire",
    "poste de contrôle",
    "engin explosif",
    "couvre-feu nocturne",
    "route nationale",
    "marché hebdomadaire",
];

pub(crate) const ENGLISH_PHRASES: &[&str] = &[
    "fuel shortage",
    "convoy of trucks",
    "armed men",
    "traditional chiefs",
    "humanitarian aid",
    "security checkpoint",
    "explosive device",
    "night curfew",
    "national road",
    "weekly market",
];

pub(crate) const ARABIC_PHRASES: &[&str] = &[
    "نقص الوقود",
    "قافلة الشاحنات",
    "مسلحون مجهولون",
    "الزعماء التقليديين",
    "المساعدات الإنسانية",
    "نقطة تفتيش",
    "عبوة ناسفة",
    "حظر التجول",
    "الطريق الوطني",
    "السوق الأسبوعي",
];

/// Surnames and given names for bylines.
pub(crate) const GIVEN_NAMES: &[&str] = &[
    "Aminata",
    "Moussa",
    "Fatoumata",
    "Seydou",
    "Mariam",
    "Oumar",
    "Awa",
    "Boubacar",
    "Kadiatou",
    "Ibrahim",
    "Aïssata",
    "Mamadou",
    "Hawa",
    "Sidi",
    "Coumba",
    "Abdoulaye",
];
pub(crate) const SURNAMES: &[&str] = &[
    "Traoré",
    "Diarra",
    "Keïta",
    "Coulibaly",
    "Sissoko",
    "Camara",
    "Kanouté",
    "Diallo",
    "Touré",
    "Konaté",
    "Sylla",
    "Ould Cheikh",
    "Sow",
    "Ba",
    "Cissé",
    "Dembélé",
];
